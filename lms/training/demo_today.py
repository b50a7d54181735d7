"""seed_demo step after lms.training.demo: the classes that make the first hour work at 伦镇 —
one held two days ago that dangyuan and shuji sat through (teachers can be rated at once), and
one whose sign-in session starts this half hour (the QR sign-in can be tried at once)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from lms.accounts.models import User
from lms.members.models import Member
from lms.schools.models import PartySchool, TeachingPoint

from .credit import credited_days_recompute
from .demo import LECTURES, Kind, _at, _Bookings, _roster_teacher_ids, _roster_teachers, _sessions_for
from .models import Attendance, ClassSession, Enrollment, TrainingClass
from .template import check_template


def seed(ctx) -> None:
    towns = ctx.towns or list(PartySchool.objects.filter(tier=PartySchool.Tier.TOWN).order_by("id"))
    points_by_town: dict[int, list[int]] = defaultdict(list)
    for pid, school_id in TeachingPoint.objects.filter(is_active=True).values_list("id", "school_id"):
        points_by_town[school_id].append(pid)
    _recent_class(ctx, ctx.rng, towns, points_by_town)
    _class_starting_now(ctx, ctx.rng, towns, points_by_town)


def _recent_class(ctx, rng, towns, points_by_town) -> None:
    """A class at 伦镇 held two days ago that dangyuan and shuji sat through, with their days
    credited: teachers can be rated right after seeding (the window is
    TEACHER_EVALUATION_WINDOW_DAYS), and the member's pages show a recent training."""
    town = next((t for t in towns if t.region == "伦镇"), towns[0] if towns else None)
    if town is None:
        return
    day = timezone.localdate() - dt.timedelta(days=2)
    c = TrainingClass.objects.create(
        title=f"{town.region}{day.year}年党员冬训专题班（演示）",
        school=town,
        module="general",
        audiences=["ordinary"],
        start_date=day,
        end_date=day,
        capacity=80,
        place=f"{town.name}报告厅",
        status=TrainingClass.Status.PUBLISHED,
        published_at=_at(day - dt.timedelta(days=7), 9),
    )
    bookings = _Bookings()
    for teacher_id, point_id in ClassSession.objects.filter(starts_at__date=day).values_list(
        "teacher_id", "teaching_point_id"
    ):
        bookings.teachers[day].add(teacher_id)
        bookings.points[day].add(point_id)
    sessions, _ = _sessions_for(rng, c, bookings, points_by_town.get(town.pk, []), _roster_teachers(day.year))
    sessions = [s for s in sessions if s.kind != Kind.TEACHING_POINT or s.teaching_point_id]
    ClassSession.objects.bulk_create(sessions)
    result = check_template(c)
    c.is_compliant, c.compliance_missing = result.ok, result.missing
    c.save(update_fields=["is_compliant", "compliance_missing"])
    demo = list(Member.objects.filter(user__username__in=["dangyuan", "shuji"]).values_list("id", flat=True))
    others = list(
        Member.objects.filter(branch__town=town, is_active=True).exclude(id__in=demo).values_list("id", flat=True)[:30]
    )
    trainees = demo + others
    Enrollment.objects.bulk_create([Enrollment(training_class=c, member_id=m) for m in trainees])
    saved = list(ClassSession.objects.filter(training_class=c))
    Attendance.objects.bulk_create(
        [Attendance(session=s, member_id=m, present=True, source=Attendance.Source.QR) for s in saved for m in trainees]
    )
    credited_days_recompute(c, trainees)


def _class_starting_now(ctx, rng, towns, points_by_town) -> None:
    """A published class at 伦镇 whose sign-in opens now, with dangyuan and shuji enrolled."""
    town = next((t for t in towns if t.region == "伦镇"), towns[0] if towns else None)
    if town is None:
        return
    local = timezone.localtime()
    start = local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)
    c = TrainingClass.objects.create(
        title=f"{town.region}{local.year}年党员集中培训班（演示）",
        school=town,
        module="general",
        audiences=["ordinary"],
        start_date=start.date(),
        end_date=(start + dt.timedelta(hours=8)).date(),
        capacity=80,
        place=f"{town.name}报告厅",
        status=TrainingClass.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    busy_teachers = set(
        ClassSession.objects.filter(starts_at__date=start.date(), teacher__isnull=False).values_list(
            "teacher_id", flat=True
        )
    )
    busy_points = set(
        ClassSession.objects.filter(starts_at__date=start.date(), teaching_point__isnull=False).values_list(
            "teaching_point_id", flat=True
        )
    )
    teachers = [t for t in _roster_teacher_ids(start.year) if t not in busy_teachers]
    jiangshi = (
        User.objects.filter(username="jiangshi", teacher__isnull=False).values_list("teacher__id", flat=True).first()
    )
    teacher = jiangshi if jiangshi in teachers else (teachers[0] if teachers else None)
    points = [p for p in points_by_town.get(town.pk, []) if p not in busy_points]
    plan = [
        (Kind.SIGN_IN, 0, 30, {}),
        (Kind.ANTHEM, 30, 40, {}),
        (Kind.OATH, 40, 60, {}),
        (Kind.CONSTITUTION, 60, 120, {}),
        (Kind.LEADER_LECTURE, 130, 210, {"teacher_id": teacher, "title": rng.choice(LECTURES)}),
        (Kind.TEACHING_POINT, 300, 450, {"teaching_point_id": points[0] if points else None}),
    ]
    sessions = [
        ClassSession(
            training_class=c,
            kind=kind,
            starts_at=start + dt.timedelta(minutes=a),
            ends_at=start + dt.timedelta(minutes=b),
            room=c.place if kind != Kind.TEACHING_POINT else "",
            **kw,
        )
        for kind, a, b, kw in plan
    ]
    ClassSession.objects.bulk_create([s for s in sessions if s.kind != Kind.TEACHING_POINT or s.teaching_point_id])
    result = check_template(c)
    c.is_compliant, c.compliance_missing = result.ok, result.missing
    c.save(update_fields=["is_compliant", "compliance_missing"])
    demo = list(Member.objects.filter(user__username__in=["dangyuan", "shuji"]).values_list("id", flat=True))
    others = list(
        Member.objects.filter(branch__town=town, is_active=True).exclude(id__in=demo).values_list("id", flat=True)[:40]
    )
    Enrollment.objects.bulk_create([Enrollment(training_class=c, member_id=m) for m in demo + others])
