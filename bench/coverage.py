"""County coverage dashboard and member progress page at district scale (101,599 members,
5 years of history) on the database DATABASE_URL names (a fresh one is created and dropped).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/coverage.py

Steps: migrate; `seed_demo --members 101599` foundation step (schools, ~3,400 branches,
members, demo logins); then this script builds the same-shaped history itself with bulk
inserts (the other demo steps make videos and sessions and are timed by their own benches):
classes per town and year, ≈230,000 credited days a year, ≈180,000 online study days a year.
Then it rebuilds the yearly summaries, computes warnings once and times, several runs each:
the county dashboard (selectors, and the whole page through the Django test client as the
county department user) and the member progress page (as the demo member, and the selector
for random members). Last line: key=value figures (medians, seconds).
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

SKIP = [
    "teachers.demo",
    "courses.demo",
    "lms.training.demo",
    "teachers.demo_evaluations",
    "lms.quotas.demo",
    "search.demo",
]


def build_history(years: int, seed: int) -> dict:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from wagtail.models import Site

    from courses.models import CourseIndexPage, CoursePage, LessonPage, StudyDay
    from lms.members.models import Member
    from lms.schools.models import PartySchool
    from lms.training.models import CreditedDay, TrainingClass

    rng = random.Random(seed)
    today = timezone.localdate()
    root = Site.objects.get(is_default_site=True).root_page
    index = root.add_child(instance=CourseIndexPage(title="课程中心", slug="bench-courses"))
    course = index.add_child(instance=CoursePage(title="基准课程", slug="bench-course", summary="", credit_hours=1))
    lessons = [
        course.add_child(instance=LessonPage(title=f"第{i}讲", slug=f"bench-lesson-{i}", body="")).pk
        for i in range(1, 21)
    ]
    city = PartySchool.objects.get(tier="city")
    towns = list(PartySchool.objects.filter(tier="town"))
    members = list(Member.objects.values_list("id", "branch__town_id", "is_branch_secretary"))
    counts = {"credited_days": 0, "study_days": 0, "classes": 0}
    for year in range(today.year - years + 1, today.year + 1):
        last_day = today if year == today.year else dt.date(year, 12, 31)
        span = (last_day - dt.date(year, 1, 1)).days

        def day_in_year(year=year, span=span) -> dt.date:
            return dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, span))

        classes = []
        for school in [city, *towns]:
            for i in range(12):
                start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 360))
                length = rng.choice([1, 1, 2, 3])
                classes.append(
                    TrainingClass(
                        title=f"{school.name}{year}年第{i + 1}期",
                        school=school,
                        start_date=start,
                        end_date=start + dt.timedelta(days=length - 1),
                        is_rotation=school.tier == "city" and i < 3,
                        status="published",
                        is_compliant=rng.random() < 0.92,
                    )
                )
        TrainingClass.objects.bulk_create(classes, batch_size=2000)
        counts["classes"] += len(classes)
        by_school: dict[int, list] = {}
        for c in classes:
            by_school.setdefault(c.school_id, []).append(c)
        rotation = [c for c in classes if c.is_rotation]
        rows: list = []
        seen: set = set()

        def add(member_id: int, c, rows=rows, seen=seen, last_day=last_day) -> None:
            days = (c.end_date - c.start_date).days + 1
            for d in range(days):
                day = c.start_date + dt.timedelta(days=d)
                if day > last_day or (member_id, day, c.pk) in seen:
                    continue
                seen.add((member_id, day, c.pk))
                hours = Decimal("6.00")
                rows.append(
                    CreditedDay(
                        member_id=member_id,
                        day=day,
                        training_class_id=c.pk,
                        school_tier=c.school.tier,
                        is_rotation=c.is_rotation,
                        hours=hours,
                    )
                )

        for member_id, town_id, secretary in members:
            if rng.random() < 0.85:
                for _ in range(rng.choice([1, 1, 2, 2, 3])):
                    pool = by_school.get(town_id) if rng.random() < 0.8 else by_school[city.pk]
                    add(member_id, rng.choice(pool or by_school[city.pk]))
            if secretary and rng.random() < 0.8:
                add(member_id, rng.choice(rotation))
            if len(rows) >= 20000:
                CreditedDay.objects.bulk_create(rows, batch_size=5000)
                counts["credited_days"] += len(rows)
                rows.clear()
        CreditedDay.objects.bulk_create(rows, batch_size=5000)
        counts["credited_days"] += len(rows)
        seen.clear()
        study: list = []
        for member_id, _town, _sec in members:
            if rng.random() >= 0.3:
                continue
            keys = {(rng.choice(lessons), day_in_year()) for _ in range(6)}
            for lesson_id, day in keys:
                study.append(
                    StudyDay(member_id=member_id, lesson_id=lesson_id, day=day, credited_seconds=rng.randint(300, 5400))
                )
            if len(study) >= 20000:
                StudyDay.objects.bulk_create(study, batch_size=5000)
                counts["study_days"] += len(study)
                study = []
        StudyDay.objects.bulk_create(study, batch_size=5000)
        counts["study_days"] += len(study)
    return counts


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def inner(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from lms.accounts.models import User
    from lms.members.models import Member
    from lms.quotas import selectors
    from lms.quotas.services import quota_status_refresh, quota_year_open, warnings_compute
    from lms.schools.models import PartySchool

    settings.DEBUG = False  # no query log growing during the runs
    today = timezone.localdate()
    year = today.year
    from courses.models import StudyDay
    from lms.training.models import CreditedDay

    t0 = time.perf_counter()
    if args.reuse:
        counts = {"credited_days": CreditedDay.objects.count(), "study_days": StudyDay.objects.count()}
    else:
        counts = build_history(args.years, args.seed)
    history_s = time.perf_counter() - t0
    print(f"history: {counts} in {history_s:.1f}s", flush=True)
    for y in range(year - args.years + 1, year + 1):
        quota_year_open(year=y)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    refresh = {}
    for y in range(year - args.years + 1, year + 1):
        t0 = time.perf_counter()
        n = quota_status_refresh(year=y)
        refresh[y] = time.perf_counter() - t0
        print(f"summary {y}: {n} members in {refresh[y]:.1f}s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE quotas_memberyearstatus")
    t0 = time.perf_counter()
    warned = warnings_compute(year=year)
    warnings_s = time.perf_counter() - t0
    print(f"warnings: {warned} in {warnings_s:.1f}s", flush=True)

    dept = User.objects.get(username="zuzhibu")
    member_user = User.objects.get(username="dangyuan")

    def county_selectors():
        selectors.coverage_totals(dept, year)
        selectors.coverage_by_unit(dept, year, "county")
        selectors.coverage_trend(dept, year)
        selectors.classes_compliance(dept, year)
        list(selectors.warnings_for(dept, year=year, kinds=selectors.UNIT_WARNING_KINDS)[:10])

    staff_client = Client()
    staff_client.force_login(dept)
    member_client = Client()
    member_client.force_login(member_user)

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    runs = args.runs
    get(staff_client, "/progress/coverage/")  # warm caches/templates
    dashboard_selectors = timed(county_selectors, runs)
    dashboard = timed(lambda: get(staff_client, f"/progress/coverage/?year={year}"), runs)
    town = PartySchool.objects.filter(tier="town").order_by("name").first()
    town_page = timed(lambda: get(staff_client, f"/progress/coverage/?year={year}&level=town&id={town.pk}"), runs)
    get(member_client, "/progress/me/")
    member_page = timed(lambda: get(member_client, "/progress/me/"), runs * 3)
    rng = random.Random(7)
    ids = list(Member.objects.values_list("id", flat=True))
    sample = [Member.objects.select_related("branch").get(pk=rng.choice(ids)) for _ in range(runs * 3)]
    member_selector = []
    for m in sample:
        t0 = time.perf_counter()
        selectors.member_progress_detail(m, year)
        member_selector.append(time.perf_counter() - t0)
    town_members = Member.objects.filter(branch__town=town)
    ranked = timed(lambda: list(selectors.members_ranked_by_need(town_members, year)[:50]), runs)
    t0 = time.perf_counter()
    live = selectors.members_with_quota_status(Member.objects.all(), year).filter(all_met=True).count()
    live_s = time.perf_counter() - t0
    reset_queries()
    print(f"live set-based county status (no summary): {live} all met in {live_s:.2f}s", flush=True)
    print(
        figures(
            members=Member.objects.count(),
            credited_days=counts["credited_days"],
            study_days=counts["study_days"],
            history_build_s=history_s,
            summary_refresh_s=refresh[year],
            warnings_s=warnings_s,
            live_county_status_s=live_s,
            ranked_by_need_town_median_s=median(ranked),
            dashboard_selectors_median_s=median(dashboard_selectors),
            town_page_median_s=median(town_page),
            member_selector_median_s=median(member_selector),
            dashboard_median_s=median(dashboard),
            member_page_median_s=median(member_page),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=101599)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    parser.add_argument("--reuse", help="time again on a database kept by --keep (migrated first)")
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return
    if args.reuse:
        manage(args.reuse, "migrate", "--noinput")
        env = {**os.environ, "DATABASE_URL": args.reuse, "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
        cmd = [PYTHON, __file__, "--inner", "--reuse", args.reuse, "--years", str(args.years), "--runs", str(args.runs)]
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
        return
    url, drop = fresh_database_url("coverage")
    try:
        t0 = time.perf_counter()
        manage(url, "migrate", "--noinput")
        skip = [a for step in SKIP for a in ("--skip", step)]
        manage(url, "seed_demo", "--members", str(args.members), "--years", str(args.years), *skip)
        print(f"migrate + foundation seed: {time.perf_counter() - t0:.1f}s", flush=True)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
        cmd = [
            PYTHON,
            __file__,
            "--inner",
            "--years",
            str(args.years),
            "--runs",
            str(args.runs),
            "--seed",
            str(args.seed),
        ]
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            drop()


if __name__ == "__main__":
    main()
