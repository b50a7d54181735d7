import datetime as dt
import random

import pytest
from django.utils import timezone

from lms.demo import DemoContext
from teachers import demo, demo_evaluations
from teachers.models import Evaluation, EvaluationScore, RosterEntry, RosterYear, Teacher
from teachers.selectors import roster_teachers, teacher_assessment
from tests.factories import MemberFactory, UserFactory
from tests.factories.teachers import ClassSessionFactory, attend

pytestmark = pytest.mark.django_db


def _ctx(years=3):
    return DemoContext(rng=random.Random(7), members=100, years=years, today=timezone.localdate(), log=lambda m: None)


def test_demo_pool_and_rosters(roles):
    UserFactory(username="zuzhibu", is_superuser=True)
    jiangshi = UserFactory(username="jiangshi")
    ctx = _ctx(years=3)
    demo.seed(ctx)
    assert Teacher.objects.count() == 263
    assert {k: Teacher.objects.filter(kind=k).count() for k in Teacher.Kind.values} == {
        "leader": 149,
        "expert": 69,
        "role_model": 45,
    }
    assert list(RosterYear.objects.order_by("year").values_list("year", flat=True)) == [
        ctx.year - 2,
        ctx.year - 1,
        ctx.year,
    ]
    assert RosterEntry.objects.filter(removed_at__isnull=False).exclude(removal_reason="").count() >= 6
    assert RosterEntry.objects.filter(roster__year=ctx.year, reason__in=demo.ADD_REASONS).count() == 5
    teacher = Teacher.objects.get(user=jiangshi)
    assert teacher in roster_teachers(ctx.year)
    assert not Teacher.objects.filter(specialties__isnull=True).exists()


def test_demo_teachers_belong_to_the_schools_named_in_their_units(db):
    from lms.demo import COUNTY, TOWNS
    from lms.schools.models import PartySchool

    city = PartySchool.objects.create(name=f"中共{COUNTY}委党校", tier=PartySchool.Tier.CITY)
    for town in TOWNS:
        PartySchool.objects.create(name=f"{town}党校", tier=PartySchool.Tier.TOWN, parent=city, region=town)
    demo.seed(_ctx(years=1))
    by_tier = {
        tier: Teacher.objects.filter(school__tier=tier).count()
        for tier in (PartySchool.Tier.CITY, PartySchool.Tier.TOWN)
    }
    assert by_tier["town"] >= 45 and by_tier["city"] > 0  # every role model, and town cadres
    assert Teacher.objects.filter(school__isnull=True).exists()  # department, universities, …
    for teacher in Teacher.objects.filter(school__tier=PartySchool.Tier.TOWN).select_related("school"):
        assert teacher.school.region in teacher.unit
    assert not Teacher.objects.filter(kind=Teacher.Kind.ROLE_MODEL, school__isnull=True).exists()
    assert set(Teacher.objects.filter(school=city).values_list("unit", flat=True)) == {f"中共{COUNTY}委党校"}


def test_demo_evaluations_sample_attendees_with_spread(roles):
    demo.seed(_ctx(years=1))
    members = [MemberFactory(branch=roles.tree.branch_a) for _ in range(30)]
    teachers = list(Teacher.objects.order_by("id")[:6])
    now = timezone.now()
    for i, t in enumerate(teachers):
        s = ClassSessionFactory(teacher=t, starts_at=now - dt.timedelta(days=20 + i))
        attend(s, *members)
    recent = ClassSessionFactory(teacher=teachers[0], starts_at=now - dt.timedelta(days=1))
    attend(recent, *members)
    demo_evaluations.seed(_ctx(years=2))  # evaluations from January of last year on
    n = Evaluation.objects.count()
    assert 0 < n < 7 * 30
    assert EvaluationScore.objects.count() == 5 * n
    assert Evaluation.objects.filter(session=recent).count() < 30 * 0.4
    assert all(ev.submitted_at <= now for ev in Evaluation.objects.all())
    scores = set(EvaluationScore.objects.values_list("score", flat=True))
    assert len(scores) >= 3
    rows = [r for r in teacher_assessment((now - dt.timedelta(days=20)).year).rows if r.responses]
    assert rows and all(r.response_rate <= 1 for r in rows)
