"""The member's 我的班次 card on the home page (lms.training.panels.member_panel)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.training.panels import member_panel
from tests.factories.training import compliant_class, enrol

pytestmark = pytest.mark.django_db


def _panel(user):
    request = RequestFactory().get("/")
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        html = member_panel(request)
    return html, len(queries.captured_queries)


def test_card_shows_the_coming_sessions_else_the_coming_classes_else_says_none(roles, points):
    today = timezone.localdate()
    soon = compliant_class(school=roles.tree.town_a, point=points.a, day=today + dt.timedelta(days=5))
    later = compliant_class(school=roles.tree.town_a, point=points.a, day=today + dt.timedelta(days=45))
    enrol(soon, roles.member_a)
    enrol(later, roles.member_b)

    with_sessions, queries_with_sessions = _panel(roles.member_a_user)
    assert soon.title in with_sessions and "签到" in with_sessions
    later_only, queries_later_only = _panel(roles.member_b_user)
    assert later.title in later_only and soon.title not in later_only
    # The coming classes are read only when no session of the month is there to show.
    assert queries_with_sessions == queries_later_only - 1

    enrol(soon, roles.member_b)  # now a session this month: it is shown, the class list is not
    html, _ = _panel(roles.member_b_user)
    assert soon.title in html and later.title not in html
    assert _panel(roles.nobody)[0] == ""  # not a member: no card


def test_card_of_a_member_with_no_class(roles, points):
    html, _ = _panel(roles.member_a_user)
    assert "近期没有报名的班次" in html
