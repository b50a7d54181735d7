"""Concurrent requests on PostgreSQL (SQLite serializes writers, so it cannot show the race)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from lms.training import signin
from lms.training.models import Attendance, CreditedDay, Enrollment
from lms.training.services.attendance import attendance_sign_in_token
from lms.training.services.enrollment import enrollment_add
from tests.concurrency import at_once
from tests.factories import MemberFactory
from tests.factories.training import compliant_class, enrol

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent transactions)")


def test_concurrent_sign_ins_of_one_member_make_one_row(roles, points):
    c = compliant_class(school=roles.tree.town_a, point=points.a)
    s = c.sessions.get(kind="leader_lecture")
    now = timezone.now()
    s.starts_at, s.ends_at = now - dt.timedelta(minutes=10), now + dt.timedelta(minutes=60)
    s.save()
    enrol(c, roles.member_a)
    token = signin.token_for(s.pk)
    results = []

    def sign(_):
        results.append(attendance_sign_in_token(user=roles.member_a_user, token=token)[1])

    _, errors = at_once(8, sign)
    assert errors == []
    assert Attendance.objects.filter(session=s, member=roles.member_a).count() == 1
    assert results.count(True) == 1 and len(results) == 8
    assert CreditedDay.objects.filter(member=roles.member_a).count() <= 1


def test_concurrent_enrolments_never_exceed_capacity(roles):
    from tests.factories.training import ClassFactory

    c = ClassFactory(school=roles.tree.town_a, capacity=3)
    members = [MemberFactory(branch=roles.tree.branch_a) for _ in range(8)]

    def add(i):
        enrollment_add(user=roles.town_a_staff, training_class=c, member_ids=[members[i].pk])

    _, errors = at_once(8, add)
    assert Enrollment.objects.filter(training_class=c).count() == 3
    assert len(errors) == 5 and all("名额不足" in str(e) for e in errors)
