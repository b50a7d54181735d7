"""Training history for quota tests: classes, credited days and online study days, built
directly as rows (the attendance → credited-day rule is training's and tested there)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from courses.models import StudyDay
from lms.quotas.services import member_branch_move, quota_status_refresh
from lms.training.models import CreditedDay, TrainingClass

from .courses import make_course, make_index, make_lesson
from .foundation import MemberFactory, make_branch

_seq = itertools.count(1)


def make_class(
    school,
    start: dt.date,
    end: dt.date | None = None,
    *,
    is_rotation: bool = False,
    is_compliant: bool = True,
    status: str = TrainingClass.Status.PUBLISHED,
    audiences: list[str] | None = None,
    title: str | None = None,
) -> TrainingClass:
    return TrainingClass.objects.create(
        title=title or f"测试班次{next(_seq)}",
        school=school,
        start_date=start,
        end_date=end or start,
        is_rotation=is_rotation,
        is_compliant=is_compliant,
        compliance_missing=[] if is_compliant else ["领导讲课"],
        status=status,
        audiences=audiences or [],
    )


def credit(member, day: dt.date, training_class: TrainingClass, hours: str | Decimal = "4") -> CreditedDay:
    return CreditedDay.objects.create(
        member=member,
        day=day,
        training_class=training_class,
        school_tier=training_class.school.tier,
        is_rotation=training_class.is_rotation,
        hours=Decimal(hours),
    )


def credit_class(member, training_class: TrainingClass, hours: str | Decimal = "4") -> list[CreditedDay]:
    """Credit every day of the class."""
    days = (training_class.end_date - training_class.start_date).days + 1
    return [credit(member, training_class.start_date + dt.timedelta(d), training_class, hours) for d in range(days)]


_lesson = None


def a_lesson():
    global _lesson
    from courses.models import LessonPage

    if _lesson is None or not LessonPage.objects.filter(pk=_lesson.pk).exists():
        _lesson = make_lesson(make_course(make_index()), duration=600)
    return _lesson


def study(member, day: dt.date, seconds: float, lesson=None) -> StudyDay:
    return StudyDay.objects.create(member=member, lesson=lesson or a_lesson(), day=day, credited_seconds=seconds)


TODAY = dt.date(2025, 11, 15)
D = dt.date


def hand_computed_data(roles, today=None):
    """Town A: 4 members (+ member_a of the roles fixture = 5), town B: 3 (+ member_b = 4).

    Town A:
      a1 ordinary, 1 town day in March, 32 online hours       → days met, study met, all met
      a2 ordinary, trained 2018 only                           → days not met (at risk), 5y not met
      a3 village committee, 1 day in May                      → days at risk (needs 2)
      a4 branch secretary, rotation class in June (2 days, 16h each) + 0 online → days met, rotation met
      member_a: nothing                                        → never trained
    Town B:
      b1 ordinary, city day in July, 40 online hours          → all met
      b2 mobile, nothing                                       → never trained
      b3 moved from town A's branch in August, day in Feb in A → counted in B, days met
      member_b: nothing
    """
    t = roles.tree
    branch_a2 = make_branch(t.committee_a, t.town_a, name="甲镇二村党支部")
    a1 = MemberFactory(branch=t.branch_a, name="a1")
    a2 = MemberFactory(branch=t.branch_a, name="a2")
    a3 = MemberFactory(branch=branch_a2, name="a3", is_village_committee=True)
    a4 = MemberFactory(branch=branch_a2, name="a4", is_branch_secretary=True)
    b1 = MemberFactory(branch=t.branch_b, name="b1")
    b2 = MemberFactory(branch=t.branch_b, name="b2", is_mobile=True)
    b3 = MemberFactory(branch=t.branch_a, name="b3")
    town_a = make_class(t.town_a, D(2025, 3, 3), title="甲镇春季班")
    credit(a1, D(2025, 3, 3), town_a)
    study(a1, D(2025, 4, 1), 2700 * 32)
    credit(a2, D(2018, 5, 5), make_class(t.town_a, D(2018, 5, 5)))
    credit(a3, D(2025, 5, 20), make_class(t.town_a, D(2025, 5, 20)))
    credit_class(a4, make_class(t.city, D(2025, 6, 10), D(2025, 6, 11), is_rotation=True), hours="16")
    credit(b1, D(2025, 7, 1), make_class(t.city, D(2025, 7, 1)))
    study(b1, D(2025, 7, 2), 2700 * 40)
    credit(b3, D(2025, 2, 10), make_class(t.town_a, D(2025, 2, 10), is_compliant=False))
    member_branch_move(member=b3, branch=t.branch_b, on=D(2025, 8, 1))
    make_class(t.town_b, D(2025, 9, 1), is_compliant=False, title="乙镇不合规班")
    assert quota_status_refresh(year=2025, today=today or TODAY) == 9
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1, "b2": b2, "b3": b3, "branch_a2": branch_a2}
