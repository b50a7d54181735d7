"""Factories for plans, classes and sessions, and helpers that build a class following the
5+1+N template (lms.training.template) directly in the database."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from lms.training.models import (
    AnnualPlan,
    Attendance,
    ClassSession,
    Enrollment,
    PlannedClass,
    TrainingClass,
)
from lms.training.template import template_sessions
from teachers.models import RosterEntry, RosterYear, Teacher

from .foundation import TownSchoolFactory


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    school = factory.SubFactory(TownSchoolFactory)
    year = 2026


class PlannedClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlannedClass

    plan = factory.SubFactory(AnnualPlanFactory)
    title = factory.Sequence(lambda n: f"计划班次{n}")
    quarter = 1
    target_trainees = 40


class ClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    title = factory.Sequence(lambda n: f"培训班{n}")
    school = factory.SubFactory(TownSchoolFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate())
    end_date = factory.LazyAttribute(lambda o: o.start_date)
    capacity = 50
    status = TrainingClass.Status.DRAFT


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassSession

    training_class = factory.SubFactory(ClassFactory)
    kind = ClassSession.Kind.OPTIONAL
    title = factory.Sequence(lambda n: f"自选课{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))


def roster_teacher(year: int | None = None, name: str = "张讲师") -> Teacher:
    """A teacher on the given year's roster (the only teachers a school may book)."""
    year = year or timezone.localdate().year
    teacher = Teacher.objects.create(name=name, kind=Teacher.Kind.LEADER)
    roster, _ = RosterYear.objects.get_or_create(year=year)
    RosterEntry.objects.create(roster=roster, teacher=teacher, reason="测试入库")
    return teacher


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def compliant_class(
    *, school, point, day: dt.date | None = None, published: bool = True, lecturer: Teacher | None = None, **kw
) -> TrainingClass:
    """A class with the five template items on ``day`` (领导讲课 taught by ``lecturer``, a new
    领导干部 on the year's roster by default) and a teaching-point visit 14:00–16:30."""
    day = day or timezone.localdate()
    c = ClassFactory(school=school, start_date=day, end_date=day, **kw)
    lecturer = lecturer or roster_teacher(day.year, name="领导讲课讲师")
    sessions = template_sessions(c)
    for s in sessions:
        if s.kind == ClassSession.Kind.LEADER_LECTURE:
            s.teacher = lecturer
    sessions.append(
        ClassSession(
            training_class=c,
            kind=ClassSession.Kind.TEACHING_POINT,
            starts_at=at(day, 14),
            ends_at=at(day, 16, 30),
            teaching_point=point,
        )
    )
    ClassSession.objects.bulk_create(sessions)
    c.is_compliant, c.compliance_missing = True, []
    if published:
        c.status = TrainingClass.Status.PUBLISHED
        c.published_at = timezone.now()
    c.save()
    return c


def enrol(training_class: TrainingClass, *members) -> None:
    Enrollment.objects.bulk_create([Enrollment(training_class=training_class, member=m) for m in members])


def mark(session: ClassSession, *members, present: bool = True) -> None:
    Attendance.objects.bulk_create(
        [Attendance(session=session, member=m, present=present, source=Attendance.Source.IMPORT) for m in members]
    )
