"""Fresh coverage: a credited training day or a study day refreshes that member's yearly
status row (through Celery, after commit) instead of waiting for the 6-hourly full refresh."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from courses.credit import seconds_per_hour
from courses.models import StudyDay
from courses.services import progress_heartbeat_apply
from lms.quotas import services as quota_services
from lms.quotas.models import MemberYearStatus, QuotaRefresh, Warning
from lms.quotas.services import quota_members_touch, quota_status_refresh, warnings_compute
from lms.training.credit import credited_days_recompute
from lms.training.models import ClassSession
from tests.factories import TeachingPointFactory
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.foundation import MemberFactory
from tests.factories.quotas import credit, make_class
from tests.factories.training import compliant_class, enrol, mark

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_touches():
    cache.clear()
    yield
    cache.clear()


def _row(member, year):
    return MemberYearStatus.objects.get(member=member, year=year)


def test_credited_day_refreshes_the_members_status_after_commit(tree, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    member = MemberFactory(branch=tree.branch_a)
    other = MemberFactory(branch=tree.branch_a)
    quota_status_refresh(year=today.year, today=today)
    full = QuotaRefresh.objects.get(year=today.year)
    assert _row(member, today.year).days_this_year == 0

    point = TeachingPointFactory(school=tree.town_a)
    day = today - dt.timedelta(days=1) if today.month > 1 or today.day > 1 else today
    c = compliant_class(school=tree.town_a, point=point, day=day)
    enrol(c, member)
    for session in ClassSession.objects.filter(training_class=c):
        mark(session, member)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        credited_days_recompute(c)
    assert len(callbacks) == 1
    row = _row(member, today.year)
    assert row.days_this_year == 1
    assert row.status_training_days == "met"
    assert row.inperson_hours > 0
    # Only the touched member was rebuilt, and the full-refresh record is left alone.
    assert _row(other, today.year).refreshed_at == full.refreshed_at
    assert QuotaRefresh.objects.get(year=today.year).refreshed_at == full.refreshed_at


def test_study_day_refreshes_and_resolves_the_members_at_risk_warning(tree, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    year = today.year
    member = MemberFactory(branch=tree.branch_a)
    risk_day = dt.date(year, 12, 1)  # after the warning date: unmet rules are "at risk"
    quota_status_refresh(year=year, today=risk_day)
    warnings_compute(year=year, today=risk_day, notify=False)
    assert Warning.objects.filter(member=member, resolved_at__isnull=True).exists()

    lesson = make_lesson(make_course(make_index()), duration=600)
    t0 = timezone.now() - dt.timedelta(seconds=20)
    progress_heartbeat_apply(member=member, lesson=lesson, intervals=[], now=t0)
    with django_capture_on_commit_callbacks(execute=True):
        progress_heartbeat_apply(member=member, lesson=lesson, intervals=[[0, 15]], now=t0 + dt.timedelta(seconds=15))
    row = _row(member, year)
    assert row.study_seconds == pytest.approx(15.0)
    # Still short of the rules: the reminder stays open.
    assert Warning.objects.filter(member=member, resolved_at__isnull=True).exists()

    # A class day (written directly, as an import would) and enough study: all rules met.
    credit(member, today, make_class(tree.town_a, today))
    cache.clear()  # a later touch, outside the first one's window
    StudyDay.objects.create(
        member=member,
        lesson=make_lesson(make_course(make_index()), duration=900),
        day=today,
        credited_seconds=40 * seconds_per_hour(),
    )  # as an import would
    with django_capture_on_commit_callbacks(execute=True):
        quota_members_touch(member_ids=[member.pk])
    assert _row(member, year).all_met
    assert not Warning.objects.filter(member=member, resolved_at__isnull=True).exists()


def test_touches_within_the_window_share_one_task(tree, monkeypatch, django_capture_on_commit_callbacks):
    member = MemberFactory(branch=tree.branch_a)
    sent = []
    monkeypatch.setattr(
        "lms.quotas.tasks.quota_members_refresh.apply_async", lambda args, countdown: sent.append((args, countdown))
    )
    with django_capture_on_commit_callbacks(execute=True):
        quota_members_touch(member_ids=[member.pk])
    with django_capture_on_commit_callbacks(execute=True):
        quota_members_touch(member_ids=[member.pk, member.pk])
    assert sent == [([[member.pk]], quota_services.TOUCH_DELAY_SECONDS)]
    assert quota_services.TOUCH_DELAY_SECONDS <= 60


def test_nothing_is_sent_when_the_transaction_rolls_back(tree, monkeypatch):
    from django.db import transaction

    member = MemberFactory(branch=tree.branch_a)
    sent = []
    monkeypatch.setattr("lms.quotas.tasks.quota_members_refresh.apply_async", lambda **kw: sent.append(kw))
    with pytest.raises(RuntimeError), transaction.atomic():
        quota_members_touch(member_ids=[member.pk])
        raise RuntimeError
    assert sent == []
