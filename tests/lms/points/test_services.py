"""Points: one entry per fact whatever the retries, daily caps, the streak, and the sweep that
derives entries from the stored facts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from courses.models import StudyProgress
from lms.points.models import PointEntry, PointKind, PointRule
from lms.points.rules import award_for, streak_length
from lms.points.selectors import member_points_total
from lms.points.services import Fact, points_award, points_members_sync
from tests.concurrency import at_once
from tests.factories.quotas import a_lesson, credit, make_class, study

D = dt.date


MAY_6 = D(2025, 5, 6)


def lesson_fact(member, n, day=MAY_6):
    return Fact(member.pk, PointKind.LESSON_COMPLETED, day, f"lesson_completed:{member.pk}:{n}", f"完成微党课{n}")


def test_award_for_caps_and_streak():
    rule = PointRule(kind=PointKind.LESSON_COMPLETED, points=2, daily_cap=5)
    assert award_for(rule, earned_today=0).points == 2
    assert award_for(rule, earned_today=4) == award_for(rule, earned_today=4).__class__(1, True)
    assert award_for(rule, earned_today=5).points == 0
    streak = PointRule(kind=PointKind.STUDY_DAY, points=1, daily_cap=5)
    assert [award_for(streak, earned_today=0, streak_days=n).points for n in (1, 2, 3, 7)] == [1, 2, 3, 5]
    assert award_for(PointRule(kind=PointKind.CREDITED_DAY, points=5), earned_today=100).points == 5


def test_streak_length():
    days = {D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 3), D(2025, 3, 5)}
    assert streak_length(D(2025, 3, 3), days) == 3
    assert streak_length(D(2025, 3, 5), days) == 1
    assert streak_length(D(2025, 3, 4), days) == 0


@pytest.mark.django_db
def test_same_event_never_earns_twice(roles):
    m = roles.member_a
    first = points_award(fact=lesson_fact(m, 1))
    assert first is not None and first.points == 2
    for _ in range(3):  # retries
        assert points_award(fact=lesson_fact(m, 1)) is None
    assert PointEntry.objects.filter(member=m).count() == 1
    assert member_points_total(m, 2025) == 2


@pytest.mark.django_db
def test_daily_cap_records_zero_with_reason_and_next_day_earns_again(roles):
    m = roles.member_a
    got = [points_award(fact=lesson_fact(m, n)).points for n in range(7)]
    assert got == [2, 2, 2, 2, 2, 0, 0]  # default: 2 each, 10 a day
    capped = PointEntry.objects.filter(member=m, points=0).first()
    assert "已达每日上限" in capped.reason
    assert points_award(fact=lesson_fact(m, 5)) is None  # a capped event is not retried later
    assert points_award(fact=lesson_fact(m, 99, day=D(2025, 5, 7))).points == 2
    assert member_points_total(m, 2025) == 12


@pytest.mark.django_db
def test_saved_rules_replace_defaults_and_inactive_kinds_earn_nothing(roles):
    m = roles.member_a
    PointRule.objects.create(year=2025, kind=PointKind.LESSON_COMPLETED, points=7, daily_cap=None)
    assert points_award(fact=lesson_fact(m, 1)).points == 7
    credited = Fact(m.pk, PointKind.CREDITED_DAY, D(2025, 5, 6), f"credited_day:{m.pk}:2025-05-06", "培训")
    assert points_award(fact=credited) is None  # the year is configured and has no such rule
    PointRule.objects.create(year=2025, kind=PointKind.CREDITED_DAY, points=5, is_active=False)
    assert points_award(fact=credited) is None


@pytest.mark.django_db
def test_ledger_is_append_only(roles):
    entry = points_award(fact=lesson_fact(roles.member_a, 1))
    entry.points = 100
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert PointEntry.objects.get(pk=entry.pk).points == 2


@pytest.mark.django_db
def test_sync_derives_entries_from_facts_idempotently(roles):
    m = roles.member_a
    lesson = a_lesson()
    StudyProgress.objects.create(
        member=m, lesson=lesson, watched_seconds=600, completed_at=timezone.make_aware(dt.datetime(2025, 5, 6, 9))
    )
    cls = make_class(roles.tree.town_a, D(2025, 6, 1), D(2025, 6, 2), title="乡村振兴专题班")
    credit(m, D(2025, 6, 1), cls)
    credit(m, D(2025, 6, 2), cls)
    for day in (D(2025, 7, 1), D(2025, 7, 2), D(2025, 7, 3)):
        study(m, day, 900, lesson=lesson)
    study(m, D(2025, 7, 4), 60, lesson=lesson)  # under 10 minutes: no points
    study(roles.member_b, D(2025, 7, 1), 900, lesson=lesson)

    assert points_members_sync(member_ids=[m.pk], year=2025) == 6
    kinds = sorted(PointEntry.objects.filter(member=m).values_list("kind", "points"))
    assert kinds == sorted(
        [
            ("lesson_completed", 2),
            ("credited_day", 5),
            ("credited_day", 5),
            ("study_day", 1),
            ("study_day", 2),
            ("study_day", 3),
        ]
    )
    assert "乡村振兴专题班" in PointEntry.objects.filter(member=m, kind="credited_day").first().reason
    assert member_points_total(m, 2025) == 18
    # retried, and the whole-year sweep: nothing more for member A; member B gets theirs
    assert points_members_sync(member_ids=[m.pk], year=2025) == 0
    assert points_members_sync(year=2025) == 1
    assert points_members_sync(year=2025) == 0
    assert member_points_total(m, 2025) == 18


@pytest.mark.django_db
def test_points_never_count_toward_quotas(roles):
    from lms.quotas.rules import evaluate_member

    before = [(r.kind, r.actual) for r in evaluate_member(roles.member_a, 2025, D(2025, 11, 1))]
    for n in range(5):
        points_award(fact=lesson_fact(roles.member_a, n))
    after = [(r.kind, r.actual) for r in evaluate_member(roles.member_a, 2025, D(2025, 11, 1))]
    assert before == after


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_events_earn_once(roles):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    m = roles.member_a
    results, errors = at_once(8, lambda i: points_award(fact=lesson_fact(m, 1)))
    assert errors == []
    assert sum(1 for r in results if r is not None) == 1
    assert PointEntry.objects.filter(member=m).count() == 1
    assert member_points_total(m, 2025) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_events_respect_the_daily_cap(roles):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    m = roles.member_a
    results, errors = at_once(10, lambda i: points_award(fact=lesson_fact(m, i)))
    assert errors == []
    assert PointEntry.objects.filter(member=m).count() == 10
    assert member_points_total(m, 2025) == 10  # 2 each, 10 a day, however they interleave


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_write_each_entry_once(roles):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    m = roles.member_a
    lesson = a_lesson()
    for day in range(1, 6):
        study(m, D(2025, 8, day), 900, lesson=lesson)
    results, errors = at_once(4, lambda i: points_members_sync(member_ids=[m.pk], year=2025))
    assert errors == []
    assert sum(results) == 5
    assert member_points_total(m, 2025) == 1 + 2 + 3 + 4 + 5


@pytest.mark.django_db
def test_quiz_passed_signal_awards_once(roles):
    from lms.quizzes.models import Attempt, Quiz, QuizPass
    from lms.quizzes.signals import quiz_passed
    from tests.factories.courses import make_course, make_index

    m = roles.member_a
    quiz = Quiz.objects.create(title="党章党规测试", course=make_course(make_index()))
    at = timezone.make_aware(dt.datetime(2025, 5, 1, 10))
    attempt = Attempt.objects.create(quiz=quiz, member=m, started_at=at, submitted_at=at, passed=True)
    qp = QuizPass.objects.create(quiz=quiz, member=m, year=2025, attempt=attempt, passed_at=at)
    for _ in range(2):  # a repeated signal
        quiz_passed.send(sender=QuizPass, member=m, quiz=quiz, attempt=attempt, quiz_pass=qp)
    entry = PointEntry.objects.get(member=m)
    assert (entry.kind, entry.points, entry.day) == ("quiz_passed", 3, D(2025, 5, 1))
    assert "党章党规测试" in entry.reason
    assert points_members_sync(member_ids=[m.pk], year=2025) == 0


@pytest.mark.django_db
def test_demo_steps(roles):
    import random
    from types import SimpleNamespace

    from lms.points import demo as points_demo
    from lms.reflections import demo as reflections_demo
    from lms.reflections.models import Reflection

    today = timezone.localdate()
    cls = make_class(roles.tree.town_a, today - dt.timedelta(days=3), title="演示班次")
    for _ in range(30):
        from tests.factories import MemberFactory

        credit(MemberFactory(branch=roles.tree.branch_a), today - dt.timedelta(days=3), cls)
    logs = []
    ctx = SimpleNamespace(rng=random.Random(1), today=today, year=today.year, years=1, log=logs.append)
    reflections_demo.seed(ctx)
    points_demo.seed(ctx)
    points_demo.seed(ctx)  # idempotent
    assert Reflection.objects.exists()
    assert PointRule.objects.filter(year=today.year).count() == len(PointKind.values)
    assert PointEntry.objects.filter(kind="credited_day").count() == 30
    assert any("学习积分" in line for line in logs) and any("学习心得" in line for line in logs)
