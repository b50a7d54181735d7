import datetime as dt
from decimal import Decimal

import pytest

from lms.training.credit import credited_days_recompute, day_is_credited
from lms.training.models import ClassSession, CreditedDay
from lms.training.services.classes import class_cancel
from tests.factories.training import at, compliant_class, enrol, mark

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 4, 8)


def test_rule_threshold_is_inclusive_and_configurable(settings):
    assert day_is_credited(50, 100)
    assert not day_is_credited(49, 100)
    assert not day_is_credited(0, 0)
    settings.TRAINING_DAY_MIN_SHARE = 0.75
    assert not day_is_credited(50, 100)
    assert day_is_credited(75, 100)


@pytest.fixture
def day_class(roles, points):
    # template day: 30+10+20+60+80 min of mandatory items + 150 min teaching point = 350 min
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY, is_rotation=True)
    enrol(c, roles.member_a)
    return c


def test_lecture_and_visit_credit_the_day_with_tier_and_rotation(roles, day_class):
    lecture = day_class.sessions.get(kind="leader_lecture")
    visit = day_class.sessions.get(kind="teaching_point")
    mark(lecture, roles.member_a)
    mark(visit, roles.member_a)
    assert credited_days_recompute(day_class) == 1
    row = CreditedDay.objects.get(member=roles.member_a)
    assert (row.day, row.school_tier, row.is_rotation) == (DAY, "town", True)
    assert row.hours == Decimal("3.83")  # 230 min


def test_below_share_not_credited(roles, day_class):
    mark(day_class.sessions.get(kind="teaching_point"), roles.member_a)  # 150 of 350 min
    assert credited_days_recompute(day_class) == 0


def test_exactly_half_is_credited(roles, points):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY)
    c.sessions.exclude(kind__in=["teaching_point", "sign_in"]).delete()
    c.sessions.filter(kind="sign_in").update(starts_at=at(DAY, 9), ends_at=at(DAY, 11, 30))  # 150 min
    mark(c.sessions.get(kind="teaching_point"), roles.member_a)  # 150 of 300
    assert credited_days_recompute(c) == 1


def test_absent_rows_do_not_count(roles, day_class):
    mark(day_class.sessions.get(kind="leader_lecture"), roles.member_a, present=False)
    mark(day_class.sessions.get(kind="teaching_point"), roles.member_a, present=False)
    assert credited_days_recompute(day_class) == 0


def test_each_day_judged_on_its_own(roles, points):
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY)
    c.end_date = DAY + dt.timedelta(days=1)
    c.save()
    d2 = DAY + dt.timedelta(days=1)
    day2 = ClassSession.objects.create(
        training_class=c, kind="optional", title="专题研讨", starts_at=at(d2, 9), ends_at=at(d2, 11)
    )
    mark(day2, roles.member_a)
    mark(c.sessions.get(kind="sign_in"), roles.member_a)  # 30 of 350 on day 1
    credited_days_recompute(c)
    assert list(CreditedDay.objects.values_list("day", flat=True)) == [d2]


def test_recompute_is_idempotent_and_removes_stale_rows(roles, day_class):
    lecture = day_class.sessions.get(kind="leader_lecture")
    visit = day_class.sessions.get(kind="teaching_point")
    mark(lecture, roles.member_a)
    mark(visit, roles.member_a)
    credited_days_recompute(day_class)
    credited_days_recompute(day_class)
    assert CreditedDay.objects.count() == 1
    visit.attendances.update(present=False)
    credited_days_recompute(day_class)
    assert CreditedDay.objects.count() == 0


def test_cancelling_a_class_withdraws_its_days(roles, day_class):
    mark(day_class.sessions.get(kind="leader_lecture"), roles.member_a)
    mark(day_class.sessions.get(kind="teaching_point"), roles.member_a)
    credited_days_recompute(day_class)
    class_cancel(user=roles.town_a_staff, training_class=day_class)
    assert CreditedDay.objects.count() == 0


def test_city_school_tier_recorded(roles, points):
    c = compliant_class(school=roles.tree.city, point=points.b, day=DAY)
    enrol(c, roles.member_b)
    mark(c.sessions.get(kind="leader_lecture"), roles.member_b)
    mark(c.sessions.get(kind="teaching_point"), roles.member_b)
    credited_days_recompute(c, [roles.member_b.pk])
    assert CreditedDay.objects.get().school_tier == "city"


def test_session_near_midnight_counts_for_its_local_day(roles, points):
    """Days are Asia/Shanghai calendar days: 07:00 local is 23:00 UTC the day before."""
    c = compliant_class(school=roles.tree.town_a, point=points.a, day=DAY)
    c.sessions.exclude(kind="sign_in").delete()
    c.sessions.update(starts_at=at(DAY, 7), ends_at=at(DAY, 8))
    mark(c.sessions.get(), roles.member_a)
    credited_days_recompute(c)
    assert CreditedDay.objects.get().day == DAY
