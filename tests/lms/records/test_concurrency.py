"""Concurrent issuing on PostgreSQL (SQLite serializes writers, so it cannot show the race):
two workers issuing the same class's certificates at the same moment issue once."""

import pytest
from django.db import connection

from lms.records.models import Certificate
from lms.records.services import class_certificates_issue, course_certificate_issue
from tests.concurrency import at_once
from tests.factories import MemberFactory
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.records import closed_class

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent transactions)")


def test_concurrent_class_issuing_issues_once(roles):
    members = [roles.member_a, *[MemberFactory(branch=roles.tree.branch_a) for _ in range(5)]]
    cc = closed_class(school=roles.tree.town_a, full=members)
    created = []
    _, errors = at_once(6, lambda _: created.append(class_certificates_issue(training_class=cc.training_class)))
    assert errors == []
    assert Certificate.objects.filter(training_class=cc.training_class).count() == 6
    assert sum(created) == 6  # each member issued by exactly one of the runs


def test_concurrent_course_issuing_issues_once(roles):
    from django.utils import timezone

    from courses.models import StudyProgress

    course = make_course(make_index(), title="并发课程")
    lesson = make_lesson(course)
    StudyProgress.objects.create(member=roles.member_a, lesson=lesson, watched_seconds=100, completed_at=timezone.now())
    results = []
    _, errors = at_once(6, lambda _: results.append(course_certificate_issue(member=roles.member_a, course=course)))
    assert errors == []
    assert Certificate.objects.filter(course=course).count() == 1
    assert len({c.pk for c in results}) == 1
