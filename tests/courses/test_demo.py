"""The demo's bulk online-study history keeps the watch rule's invariants."""

import datetime as dt
import random

import pytest
from django.db.models import Sum

from courses import demo
from courses.models import CoursePage, StudyDay, StudyProgress
from lms.demo import DemoContext
from tests.factories import MemberFactory
from tests.factories.courses import make_course, make_index, make_lesson

pytestmark = pytest.mark.django_db


def test_history_rows_are_consistent(tree):
    members = [MemberFactory(branch=tree.branch_a) for _ in range(40)]
    members += [MemberFactory(branch=tree.branch_b, is_village_committee=True) for _ in range(20)]
    index = make_index()
    lessons = [make_lesson(make_course(index, audiences=aud)) for aud in ([], [], ["village_committee"])]
    ctx = DemoContext(rng=random.Random(1), members=60, years=3, today=dt.date(2026, 6, 30), log=lambda m: None)
    StudyProgress.objects.create(member=members[0], lesson=lessons[0], watched_seconds=0)
    n_progress, n_days = demo._history(
        ctx, lessons, demo_member_id=members[0].pk, demo_lessons=frozenset({lessons[0].pk})
    )
    StudyProgress.objects.filter(member=members[0], lesson=lessons[0]).delete()
    assert n_progress == StudyProgress.objects.count() > 0
    assert n_days == StudyDay.objects.count() >= n_progress
    # the demo member studied this year, never on the lesson kept for tracked progress
    assert 2026 in set(StudyDay.objects.filter(member=members[0]).values_list("day__year", flat=True))
    assert not StudyDay.objects.filter(member=members[0], lesson=lessons[0]).exists()
    assert not StudyDay.objects.filter(day__gt=ctx.today).exists()
    assert not StudyDay.objects.filter(day__year__lt=2024).exists()
    # credited seconds per member and lesson equal the progress row's watched seconds
    credited = {
        (r["member_id"], r["lesson_id"]): r["s"]
        for r in StudyDay.objects.values("member_id", "lesson_id").annotate(s=Sum("credited_seconds"))
    }
    for p in StudyProgress.objects.all():
        assert credited[(p.member_id, p.lesson_id)] == pytest.approx(p.watched_seconds)
    # members study the courses meant for them first: an ordinary member reaches the
    # village-committee course only once the general courses are in their history
    ordinary = [m.pk for m in members[:40]]
    reached = set(
        StudyDay.objects.filter(lesson=lessons[2], member_id__in=ordinary).values_list("member_id", flat=True)
    )
    for member_id in reached:
        studied = set(StudyProgress.objects.filter(member_id=member_id).values_list("lesson_id", flat=True))
        assert {lessons[0].pk, lessons[1].pk} - {lessons[0].pk} <= studied


def test_catalog_courses_are_offered_by_demo_schools():
    from lms.demo import COUNTY, TOWNS
    from lms.schools.models import PartySchool
    from tests.factories.courses import site_root

    site_root()
    city = PartySchool.objects.create(name=f"中共{COUNTY}委党校", tier=PartySchool.Tier.CITY)
    for town in TOWNS:
        PartySchool.objects.create(name=f"{town}党校", tier=PartySchool.Tier.TOWN, parent=city, region=town)
    ctx = DemoContext(rng=random.Random(1), members=60, years=1, today=dt.date(2026, 6, 30), log=lambda m: None)
    demo._catalog(ctx, videos=[])
    tiers = {c.title: c.school.tier if c.school else "" for c in CoursePage.objects.select_related("school")}
    assert len(tiers) == len(demo.CATALOG)
    assert {tier: list(tiers.values()).count(tier) for tier in ("city", "town", "")} == {"city": 4, "town": 5, "": 5}
    assert CoursePage.objects.get(title="乡村振兴专题").school.name == "伦镇党校"
