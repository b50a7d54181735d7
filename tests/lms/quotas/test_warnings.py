import datetime as dt
from unittest import mock

import pytest

from lms.notifications.models import Notification
from lms.quotas.models import QuotaYear, Warning
from lms.quotas.selectors import warnings_for
from lms.quotas.services import quota_status_refresh, quota_year_open, warnings_compute
from lms.quotas.tasks import quota_refresh
from tests.factories.quotas import credit, make_class

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 11, 15)


def active(**kw):
    return Warning.objects.filter(resolved_at__isnull=True, **kw)


def test_warning_generation_is_idempotent_and_resolves(data, roles):
    counts = warnings_compute(year=2025, today=TODAY)
    # at risk: a2 (days, 5y, hours), a3 (days, hours), member_a, member_b, b2, b3 (hours only)
    at_risk = set(active(kind="member_at_risk").values_list("member__name", flat=True))
    assert at_risk == {"a2", "a3", "甲党员", "乙党员", "b2", "b3"}
    assert counts["member_at_risk"] == 6
    # default line 60%: town A 2/5 and town B 1/4 are below; every branch too
    assert set(active(kind="town_low_coverage").values_list("town__name", flat=True)) == {"甲镇党校", "乙镇党校"}
    assert active(kind="branch_low_coverage").count() == 3
    assert set(active(kind="class_template").values_list("training_class__title", flat=True)) >= {"乙镇不合规班"}
    total = Warning.objects.count()
    notifications = Notification.objects.count()
    again = warnings_compute(year=2025, today=TODAY)
    assert Warning.objects.count() == total and Notification.objects.count() == notifications
    assert again["member_at_risk"] == counts["member_at_risk"]
    # a3 gets the second day and enough hours: their warning is resolved, not deleted
    a3 = data["a3"]
    credit(a3, D(2025, 11, 10), make_class(roles.tree.town_a, D(2025, 11, 10)), hours="40")
    quota_status_refresh(year=2025, today=TODAY)
    warnings_compute(year=2025, today=TODAY)
    w = Warning.objects.get(key=f"member_at_risk:2025:{a3.pk}")
    assert w.resolved_at is not None
    assert Warning.objects.count() == total


def test_threshold_is_configurable(data):
    quota_year_open(year=2025)
    QuotaYear.objects.filter(year=2025).update(coverage_warning_share="0.35")
    warnings_compute(year=2025, today=TODAY)
    # town A 40% is above 35%, town B 25% below
    assert set(active(kind="town_low_coverage").values_list("town__name", flat=True)) == {"乙镇党校"}


def test_no_member_or_coverage_warnings_before_the_warning_date(data):
    quota_status_refresh(year=2025, today=D(2025, 6, 1))
    warnings_compute(year=2025, today=D(2025, 6, 1))
    assert not active(kind="member_at_risk").exists()
    assert not active(kind="town_low_coverage").exists()
    assert active(kind="class_template").exists()  # a broken template is reported at once


def test_warnings_are_scoped_and_notified(data, roles):
    warnings_compute(year=2025, today=TODAY)
    town_a = set(warnings_for(roles.town_a_staff, year=2025).values_list("title", flat=True))
    town_b = set(warnings_for(roles.town_b_staff, year=2025).values_list("title", flat=True))
    assert any("甲镇党校" in t for t in town_a) and not any("乙镇" in t for t in town_a)
    assert any("乙镇不合规班" in t for t in town_b) and not any("甲镇" in t for t in town_b)
    dept = set(warnings_for(roles.department, year=2025).values_list("title", flat=True))
    assert town_a | town_b <= dept
    dept_a = set(warnings_for(roles.department_a, year=2025).values_list("title", flat=True))
    assert not any("乙镇" in t for t in dept_a) and any("甲镇党校" in t for t in dept_a)
    assert set(warnings_for(roles.member_a_user, year=2025).values_list("member__name", flat=True)) == {"甲党员"}
    # notifications: town staff get digests for their town; the member gets their own reminder
    titles = set(Notification.objects.filter(user=roles.town_a_staff).values_list("title", flat=True))
    assert "2025年预警：党员临近年底未达标 3项" in titles  # a2, a3, 甲党员 (b3 moved to town B)
    reminder = Notification.objects.get(user=roles.member_a_user, kind="quota_reminder")
    assert reminder.url == "/progress/me/"
    assert not Notification.objects.filter(user=roles.member_b_user, title__contains="甲").exists()


def test_warnings_page_scoped_and_paginated(data, roles, login, django_assert_max_num_queries):
    warnings_compute(year=2025, today=TODAY)
    c = login(roles.town_b_staff)
    with django_assert_max_num_queries(16):
        r = c.get("/progress/warnings/?year=2025")
    html = r.content.decode()
    assert r.status_code == 200 and "乙镇党校" in html and "甲镇党校" not in html
    r = c.get("/progress/warnings/?year=2025&format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert login(roles.member_a_user).get("/progress/warnings/").status_code == 403


def test_quota_refresh_task(roles):
    m = roles.member_a
    credit(m, D(2025, 3, 1), make_class(roles.tree.town_a, D(2025, 3, 1)))
    with mock.patch("lms.quotas.tasks.timezone.localdate", return_value=TODAY):
        result = quota_refresh.delay(2025).get()
    assert result["members"] == 2
    assert result["member_at_risk"] == 2  # both lack the 32 study hours


def test_home_panels(data, roles, login):
    warnings_compute(year=2025, today=TODAY)
    html = login(roles.member_a_user).get("/").content.decode()
    assert "学习培训指标" in html and "/progress/me/" in html and "我的进度" in html
    html = login(roles.department).get("/").content.decode()
    assert "辖区轮训覆盖" in html and "轮训覆盖" in html
    html = login(roles.town_a_staff).get("/").content.decode()
    assert "本校服务范围轮训覆盖" in html
