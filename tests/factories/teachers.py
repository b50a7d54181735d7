"""Factories for the teacher pool, and a small helper that makes an ended session with a
teacher and attendees (the sessions themselves belong to lms.training)."""

import datetime as dt

import factory
from django.utils import timezone

from lms.training.models import Attendance, ClassSession, TrainingClass
from teachers.models import Evaluation, EvaluationDimension, EvaluationScore, RosterEntry, RosterYear, Teacher
from teachers.services import dimensions_ensure_defaults, mean_of

from .foundation import TownSchoolFactory


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    name = factory.Sequence(lambda n: f"讲师{n}")
    kind = Teacher.Kind.LEADER
    unit = "中共测试县委组织部"
    title = "副部长"
    biography = "长期从事基层党建工作。"
    phone = factory.Sequence(lambda n: f"1390000{n:04d}")
    email = factory.Sequence(lambda n: f"teacher{n}@example.cn")


class RosterYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterYear
        django_get_or_create = ("year",)

    year = 2026


class RosterEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterEntry

    roster = factory.SubFactory(RosterYearFactory)
    teacher = factory.SubFactory(TeacherFactory)
    reason = "年度调整入库"


class TrainingClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    title = factory.Sequence(lambda n: f"测试班次{n}")
    school = factory.SubFactory(TownSchoolFactory)
    start_date = dt.date(2026, 3, 1)
    end_date = dt.date(2026, 3, 2)
    status = TrainingClass.Status.PUBLISHED


class ClassSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassSession

    training_class = factory.SubFactory(TrainingClassFactory)
    kind = ClassSession.Kind.LEADER_LECTURE
    title = factory.Sequence(lambda n: f"专题讲座{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1, hours=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    teacher = factory.SubFactory(TeacherFactory)


def attend(session, *members, present=True):
    Attendance.objects.bulk_create(
        [Attendance(session=session, member=m, present=present, source=Attendance.Source.ROLL_CALL) for m in members]
    )


def evaluate(session, member, scores, comment=""):
    """Store an evaluation directly (bypassing the rules) for aggregate tests. `scores` is a
    list in dimension order or one int for every dimension."""
    dimensions_ensure_defaults()
    dims = list(EvaluationDimension.objects.filter(is_active=True).order_by("order", "id"))
    values = scores if isinstance(scores, list) else [scores] * len(dims)
    ev = Evaluation.objects.create(
        session=session, member=member, teacher_id=session.teacher_id, comment=comment, mean_score=mean_of(values)
    )
    EvaluationScore.objects.bulk_create(
        [EvaluationScore(evaluation=ev, dimension=d, score=v) for d, v in zip(dims, values, strict=True)]
    )
    return ev
