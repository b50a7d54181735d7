"""Annual teacher assessment at district scale on the database DATABASE_URL names (a fresh
one is created and dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/teacher_assessment.py

Steps: migrate; `seed_demo` foundation step with --members members and the teacher pool
(263 teachers, rosters); then this script inserts, per year (this and last), --sessions
class sessions with teachers, --attendees present trainees each (≈230,000 attendances a year
by default, the district in seed 000) and evaluations from ~60 % of them (5 scores each).
Times, several runs each: teachers.selectors.teacher_assessment (all teachers, and one kind),
the xlsx export, and one teacher's feedback. Last line: key=value figures (medians, seconds).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _util import figures, fresh_database_url, manage, median  # noqa: E402

SKIP = ["courses.demo", "lms.training.demo", "teachers.demo_evaluations", "lms.quotas.demo", "search.demo"]


def build(years: int, sessions_per_year: int, attendees: int, seed: int) -> dict:
    import datetime as dt

    from django.utils import timezone

    from lms.members.models import Member
    from lms.schools.models import PartySchool
    from lms.training.models import Attendance, ClassSession, TrainingClass
    from teachers.models import Evaluation, EvaluationDimension, EvaluationScore, Teacher
    from teachers.services import mean_of

    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    schools = list(PartySchool.objects.all())
    teachers = list(Teacher.objects.values_list("id", flat=True))
    members = list(Member.objects.values_list("id", flat=True))
    dims = list(EvaluationDimension.objects.filter(is_active=True).values_list("id", flat=True))
    quality = {t: rng.gauss(4.2, 0.4) for t in teachers}
    counts = {"sessions": 0, "attendances": 0, "evaluations": 0, "scores": 0}
    for year in range(now.year - years + 1, now.year + 1):
        last = min(now - dt.timedelta(days=1), dt.datetime(year, 12, 31, tzinfo=tz))
        span = (last - dt.datetime(year, 1, 1, tzinfo=tz)).days
        classes = TrainingClass.objects.bulk_create(
            [
                TrainingClass(
                    title=f"{year}年基准班{i}",
                    school=rng.choice(schools),
                    start_date=dt.date(year, 1, 1),
                    end_date=dt.date(year, 12, 31),
                    status="published",
                )
                for i in range(max(1, sessions_per_year // 4))
            ]
        )
        sessions = []
        for i in range(sessions_per_year):
            start = dt.datetime(year, 1, 1, 9, tzinfo=tz) + dt.timedelta(days=rng.randint(0, span), hours=i % 3 * 3)
            sessions.append(
                ClassSession(
                    training_class=classes[i % len(classes)],
                    kind="leader_lecture",
                    title=f"讲座{i}",
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    teacher_id=rng.choice(teachers),
                )
            )
        sessions = ClassSession.objects.bulk_create(sessions, batch_size=2000)
        att, evs, answers = [], [], []
        for s in sessions:
            who = rng.sample(members, min(attendees, len(members)))
            att += [Attendance(session_id=s.pk, member_id=m, present=True, source="import") for m in who]
            for m in who[: int(len(who) * rng.uniform(0.4, 0.8))]:
                scores = [max(1, min(5, round(quality[s.teacher_id] + rng.gauss(0, 0.6)))) for _ in dims]
                evs.append(
                    Evaluation(session_id=s.pk, member_id=m, teacher_id=s.teacher_id, mean_score=mean_of(scores))
                )
                answers.append(scores)
        Attendance.objects.bulk_create(att, batch_size=5000)
        created = Evaluation.objects.bulk_create(evs, batch_size=5000)
        rows = [
            EvaluationScore(evaluation_id=e.pk, dimension_id=d, score=v)
            for e, scores in zip(created, answers, strict=True)
            for d, v in zip(dims, scores, strict=True)
        ]
        EvaluationScore.objects.bulk_create(rows, batch_size=10000)
        counts["sessions"] += len(sessions)
        counts["attendances"] += len(att)
        counts["evaluations"] += len(created)
        counts["scores"] += len(rows)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=1600, help="sessions with a teacher per year")
    parser.add_argument("--attendees", type=int, default=144, help="present trainees per session")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    parser.add_argument("--reuse", metavar="URL", help="time against a database kept by an earlier --keep run")
    args = parser.parse_args()

    if args.reuse:
        url, drop = args.reuse, (lambda: None)
    else:
        url, drop = fresh_database_url("teachers")
    try:
        seed_s = 0.0
        if not args.reuse:
            manage(url, "migrate", "--no-input")
            t0 = time.monotonic()
            manage(url, "seed_demo", "--members", str(args.members), *sum((["--skip", s] for s in SKIP), []))
            seed_s = time.monotonic() - t0

        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
        import django

        django.setup()
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from lms.training.models import Attendance
        from teachers.exports import assessment_workbook
        from teachers.models import Evaluation, EvaluationScore, Teacher
        from teachers.selectors import teacher_assessment, teacher_feedback

        t0 = time.monotonic()
        if args.reuse:
            counts = {
                "sessions": 0,
                "attendances": Attendance.objects.count(),
                "evaluations": Evaluation.objects.count(),
                "scores": EvaluationScore.objects.count(),
            }
        else:
            counts = build(args.years, args.sessions, args.attendees, args.seed)
        build_s = time.monotonic() - t0
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        year = timezone.localdate().year
        full, expert, xlsx, feedback = [], [], [], []
        teacher = Teacher.objects.order_by("id").first()
        for _ in range(args.runs):
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.monotonic()
                result = teacher_assessment(year)
                full.append(time.monotonic() - t0)
            queries = len(ctx)
            t0 = time.monotonic()
            teacher_assessment(year, kind="expert")
            expert.append(time.monotonic() - t0)
            t0 = time.monotonic()
            assessment_workbook(result)
            xlsx.append(time.monotonic() - t0)
            t0 = time.monotonic()
            teacher_feedback(teacher)
            feedback.append(time.monotonic() - t0)
        print(
            f"{connection.vendor}: {len(result.rows)} teachers, {counts} over {args.years} years; "
            f"flagged {len(result.flagged)}; seed {seed_s:.1f}s, build {build_s:.1f}s"
        )
        print(
            figures(
                backend=connection.vendor,
                teachers=len(result.rows),
                evaluations=counts["evaluations"],
                score_rows=counts["scores"],
                attendances=counts["attendances"],
                assessment_queries=queries,
                assessment_s=median(full),
                assessment_one_kind_s=median(expert),
                xlsx_export_s=median(xlsx),
                teacher_feedback_s=median(feedback),
            )
        )
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database: {url}", file=sys.stderr)
        else:
            drop()


if __name__ == "__main__":
    main()
