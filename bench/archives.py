"""学习档案 of a whole branch as a zip (issue #17): one 500-member branch with five years of
history, printed by the archive job on the database DATABASE_URL names (a fresh one is created
and dropped).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/archives.py

Steps: migrate; the `seed_demo` foundation (schools, organization tree, a few members, the demo
logins — the county department `zuzhibu` prints); then this script adds a branch of --members
members and, per year, classes at its town school and the city school with credited days,
online study, the certificates of the classes attended and the points the facts earn
(lms.points.services.points_members_sync), and opens each year's quota rules. Each run prints
the branch in a fresh process, the way a worker does: an ArchiveJob row and the Celery task
body (lms.records.tasks.archive_job_run_task: a PDF per member through WeasyPrint and the
branch summary xlsx, into one zip). The process reports its time and its peak resident memory
(ru_maxrss) against its resident memory before the job with WeasyPrint already imported;
--tracemalloc adds one run that also reports the peak of Python allocations. Last line:
key=value figures (medians over the runs; seconds and MB).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _util import PYTHON, ROOT, figures, fresh_database_url, manage, median  # noqa: E402

# Everything after the foundation (schools, organizations, members, logins): this script makes
# its own history for the one branch it prints.
SKIP = [
    "teachers.demo",
    "lms.training.demo",
    "lms.training.demo_today",
    "courses.demo",
    "lms.quizzes.demo",
    "lms.schools.demo",
    "lms.reflections.demo",
    "lms.points.demo",
    "teachers.demo_evaluations",
    "lms.quotas.demo",
    "search.demo",
]
BRANCH_NAME = "基准村党支部"
PRINTER = "zuzhibu"


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log growing during the runs


def build(members: int, years: int, seed: int) -> dict:
    """The branch and its history, in bulk (signals would index and award per row)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from wagtail.models import Site

    from courses.models import CourseIndexPage, CoursePage, LessonPage, StudyDay
    from lms.demo import person_name
    from lms.members.models import Member
    from lms.organizations.models import PartyOrganization
    from lms.organizations.services import organization_create
    from lms.points.services import points_members_sync
    from lms.quotas.services import quota_year_open
    from lms.records.models import Certificate
    from lms.records.services import certificate_code_new
    from lms.schools.models import PartySchool
    from lms.training.models import CreditedDay, TrainingClass

    rng = random.Random(seed)
    today = timezone.localdate()
    city = PartySchool.objects.get(tier="city")
    committee = PartyOrganization.objects.filter(kind="committee", town__isnull=False).order_by("pk").first()
    town = committee.town
    branch = organization_create(parent=committee, name=BRANCH_NAME, kind="branch", sector="village", town=town)
    Member.objects.bulk_create(
        Member(
            name=person_name(rng),
            member_no=f"BA{i + 1:07d}",
            branch=branch,
            gender="M" if rng.random() < 0.7 else "F",
            join_date=today - dt.timedelta(days=rng.randint(400, 365 * 40)),
            is_branch_secretary=i == 0,
            is_village_committee=i < 5,
        )
        for i in range(members)
    )
    member_ids = list(Member.objects.filter(branch=branch).order_by("pk").values_list("pk", flat=True))
    names = dict(Member.objects.filter(branch=branch).values_list("pk", "name"))

    root = Site.objects.get(is_default_site=True).root_page
    index = root.add_child(instance=CourseIndexPage(title="课程中心", slug="bench-archive-courses"))
    lessons = []
    for c, title in enumerate(["学习贯彻党的二十大精神", "党章党规学习", "党史学习教育", "基层党建实务"]):
        course = index.add_child(
            instance=CoursePage(title=title, slug=f"bench-archive-course-{c}", summary="", credit_hours=2)
        )
        lessons += [
            course.add_child(instance=LessonPage(title=f"第{i}讲", slug=f"bench-archive-{c}-{i}", body="")).pk
            for i in range(1, 6)
        ]

    counts = {"credited_days": 0, "study_days": 0, "certificates": 0, "point_entries": 0}
    for year in range(today.year - years + 1, today.year + 1):
        quota_year_open(year=year)
        last_day = today - dt.timedelta(days=1) if year == today.year else dt.date(year, 12, 31)
        span = (last_day - dt.date(year, 1, 1)).days
        classes = []
        for school, n in ((town, 6), (city, 2)):
            for i in range(n):
                start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, max(span - 3, 0)))
                classes.append(
                    TrainingClass(
                        title=f"{school.name}{year}年第{i + 1}期党员培训班",
                        school=school,
                        start_date=start,
                        end_date=start + dt.timedelta(days=rng.choice([0, 1, 2])),
                        is_rotation=school.tier == "city",
                        status="published",
                        is_compliant=True,
                    )
                )
        TrainingClass.objects.bulk_create(classes)
        days, certificates, study = [], [], []
        for member_id in member_ids:
            attended = rng.sample(classes, rng.choice([0, 1, 1, 2, 2, 3]))
            for c in attended:
                length = (c.end_date - c.start_date).days + 1
                for d in range(length):
                    day = c.start_date + dt.timedelta(days=d)
                    if day <= last_day:
                        days.append(
                            CreditedDay(
                                member_id=member_id,
                                day=day,
                                training_class_id=c.pk,
                                school_tier=c.school.tier,
                                is_rotation=c.is_rotation,
                                hours=Decimal("6.00"),
                            )
                        )
                if c.end_date <= last_day and rng.random() < 0.9:
                    certificates.append(
                        Certificate(
                            member_id=member_id,
                            training_class_id=c.pk,
                            school=c.school,
                            code=certificate_code_new(),
                            member_name=names[member_id],
                            title=c.title,
                            school_name=c.school.name,
                            issued_on=min(c.end_date + dt.timedelta(days=1), today),
                        )
                    )
            if rng.random() < 0.7:
                for lesson_id, day in {
                    (rng.choice(lessons), dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, span)))
                    for _ in range(rng.randint(3, 12))
                }:
                    study.append(
                        StudyDay(
                            member_id=member_id, lesson_id=lesson_id, day=day, credited_seconds=rng.randint(600, 3600)
                        )
                    )
        CreditedDay.objects.bulk_create(days, batch_size=5000)
        Certificate.objects.bulk_create(certificates, batch_size=5000)
        StudyDay.objects.bulk_create(study, batch_size=5000)
        counts["credited_days"] += len(days)
        counts["certificates"] += len(certificates)
        counts["study_days"] += len(study)
        counts["point_entries"] += points_members_sync(member_ids=member_ids, year=year)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"branch": branch.pk, **counts}


def run_job(branch_id: int, trace: bool) -> None:
    """One print of the branch, in this (fresh) process: what a worker does for one task."""
    import resource
    import tracemalloc
    import zipfile

    import weasyprint  # noqa: F401 - imported before the baseline: the job's memory, not the library's

    from lms.accounts.models import User
    from lms.records.models import ArchiveJob
    from lms.records.services import archive_dir
    from lms.records.tasks import archive_job_run_task

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    job = ArchiveJob.objects.create(created_by=User.objects.get(username=PRINTER), branch_id=branch_id, total=0)
    base = rss_mb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    archive_job_run_task(job.pk)
    seconds = time.perf_counter() - t0
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    peak = rss_mb()
    job.refresh_from_db()
    assert job.status == ArchiveJob.Status.DONE, (job.status, job.message)
    path = archive_dir() / job.file
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    pdfs = sum(n.endswith(".pdf") for n in names)
    assert pdfs == job.total and any(n.endswith("档案汇总.xlsx") for n in names), (pdfs, job.total)
    size = path.stat().st_size / 2**20
    path.unlink()
    print(
        figures(
            job_s=seconds,
            members=job.total,
            rss_base_mb=base,
            rss_peak_mb=peak,
            python_peak_mb=python_peak,
            zip_mb=size,
        ),
        flush=True,
    )


def _parse(line: str) -> dict:
    return {k: float(v) for k, v in (pair.split("=", 1) for pair in line.split())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tracemalloc", action="store_true", help="one more run measuring Python allocations")
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run-job", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        _setup()
        t0 = time.perf_counter()
        counts = build(args.members, args.years, args.seed)
        print(f"history: {counts} in {time.perf_counter() - t0:.1f}s", flush=True)
        print(f"branch={counts['branch']}")
        return
    if args.run_job:
        _setup()
        run_job(args.run_job, args.trace)
        return

    url, drop = fresh_database_url("archives")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}

    def inner(*extra: str) -> str:
        out = subprocess.run(
            [PYTHON, __file__, *extra], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        print(out, flush=True)
        return out.splitlines()[-1]

    try:
        t0 = time.perf_counter()
        manage(url, "migrate", "--noinput")
        skip = [a for step in SKIP for a in ("--skip", step)]
        manage(url, "seed_demo", "--members", "200", *skip)
        print(f"migrate + foundation seed: {time.perf_counter() - t0:.1f}s", flush=True)
        branch = inner("--build", "--members", str(args.members), "--years", str(args.years), "--seed", str(args.seed))
        branch_id = branch.split("=", 1)[1]
        runs = [_parse(inner("--run-job", branch_id)) for _ in range(args.runs)]
        traced = _parse(inner("--run-job", branch_id, "--trace")) if args.tracemalloc else None
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            drop()
    seconds = [r["job_s"] for r in runs]
    n = int(runs[0]["members"])
    print(
        figures(
            members=n,
            years=args.years,
            runs=len(runs),
            zip_median_s=median(seconds),
            zip_min_s=min(seconds),
            zip_max_s=max(seconds),
            per_member_ms=median(seconds) / n * 1000,
            rss_peak_mb=max(r["rss_peak_mb"] for r in runs),
            rss_growth_mb=median([r["rss_peak_mb"] - r["rss_base_mb"] for r in runs]),
            python_peak_mb=traced["python_peak_mb"] if traced else "n/a",
            zip_mb=runs[0]["zip_mb"],
        )
    )


if __name__ == "__main__":
    main()
