"""progress_heartbeat_apply: the watch rule against the database."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from courses.models import StudyClock, StudyDay, StudyProgress
from courses.services import progress_heartbeat_apply
from courses.watch import HeartbeatError
from tests.factories.courses import make_course, make_index, make_lesson

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 5, 10, 9, 0, 0, tzinfo=SHANGHAI)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def lesson(db):
    return make_lesson(make_course(make_index()), duration=100)


def beat(member, lesson, intervals, t, position=None):
    return progress_heartbeat_apply(member=member, lesson=lesson, intervals=intervals, position=position, now=at(t))


def credited(member, lesson) -> float:
    return sum(StudyDay.objects.filter(member=member, lesson=lesson).values_list("credited_seconds", flat=True))


def test_normal_viewing_is_credited(roles, lesson):
    m = roles.member_a
    assert beat(m, lesson, [], 0).credited_seconds == 0  # opens the clock
    assert beat(m, lesson, [[0, 15]], 15, position=15).credited_seconds == pytest.approx(15)
    assert beat(m, lesson, [[15, 30]], 30, position=30).credited_seconds == pytest.approx(15)
    progress = StudyProgress.objects.get(member=m, lesson=lesson)
    assert progress.intervals == [[0, 30]]
    assert progress.watched_seconds == pytest.approx(30)
    assert progress.last_position == 30
    assert credited(m, lesson) == pytest.approx(30)


def test_skip_ahead_earns_nothing_for_the_skipped_part(roles, lesson):
    m = roles.member_a
    beat(m, lesson, [], 0)
    beat(m, lesson, [[0, 5]], 5)
    # seeks from 5 to 80 and plays 10 s: only [80, 90] was played
    result = beat(m, lesson, [[80, 90]], 15, position=90)
    assert result.credited_seconds == pytest.approx(10)
    assert result.watched_seconds == pytest.approx(15)
    assert not result.completed
    assert StudyProgress.objects.get(member=m, lesson=lesson).last_position == 90


def test_replay_is_not_double_counted(roles, lesson):
    m = roles.member_a
    beat(m, lesson, [], 0)
    beat(m, lesson, [[0, 20]], 20)
    result = beat(m, lesson, [[0, 20]], 40)  # watched the same part again
    assert result.credited_seconds == 0
    assert credited(m, lesson) == pytest.approx(20)


def test_repeated_heartbeat_is_idempotent(roles, lesson):
    m = roles.member_a
    beat(m, lesson, [], 0)
    first = beat(m, lesson, [[0, 15]], 15)
    again = beat(m, lesson, [[0, 15]], 16)
    assert (first.credited_seconds, again.credited_seconds) == (pytest.approx(15), 0)
    assert StudyDay.objects.filter(member=m, lesson=lesson).count() == 1


def test_forged_whole_video_is_capped_by_wall_clock(roles, lesson, settings):
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    m = roles.member_a
    beat(m, lesson, [], 0)
    result = beat(m, lesson, [[0, 100]], 10)  # claims 100 s after 10 s of wall clock
    assert result.credited_seconds == pytest.approx(20)
    assert StudyProgress.objects.get(member=m, lesson=lesson).intervals == [[0, 20]]
    assert not result.completed


def test_over_long_intervals_without_a_clock_earn_nothing(roles, lesson):
    result = beat(roles.member_a, lesson, [[0, 100]], 0)
    assert result.credited_seconds == 0
    assert not StudyDay.objects.exists()


def test_many_small_forged_intervals_are_still_capped(roles, lesson):
    m = roles.member_a
    beat(m, lesson, [], 0)
    result = beat(m, lesson, [[i, i + 1] for i in range(0, 100, 2)], 5)
    assert result.credited_seconds == pytest.approx(10)


@pytest.mark.parametrize("intervals", [[[-1, 5]], [[90, 130]], [[50, 40]], [["x", 1]]])
def test_intervals_outside_the_video_are_rejected_and_nothing_changes(roles, lesson, intervals):
    m = roles.member_a
    beat(m, lesson, [], 0)
    beat(m, lesson, [[0, 10]], 10)
    with pytest.raises(HeartbeatError):
        beat(m, lesson, intervals, 20)
    progress = StudyProgress.objects.get(member=m, lesson=lesson)
    assert progress.watched_seconds == pytest.approx(10)
    assert progress.last_heartbeat_at == at(10)
    assert credited(m, lesson) == pytest.approx(10)


def test_position_outside_the_video_is_rejected(roles, lesson):
    with pytest.raises(HeartbeatError):
        beat(roles.member_a, lesson, [], 0, position=500)


def test_lesson_without_ready_video_rejects_heartbeats(roles, db):
    lesson = make_lesson(make_course(make_index()), duration=0)
    with pytest.raises(HeartbeatError, match="尚未就绪"):
        beat(roles.member_a, lesson, [], 0)


def test_completion_at_threshold(roles, lesson, settings):
    settings.LESSON_COMPLETE_RATIO = 0.9
    m = roles.member_a
    beat(m, lesson, [], 0)
    assert not beat(m, lesson, [[0, 45]], 45).completed
    assert not beat(m, lesson, [[45, 89]], 89).completed
    result = beat(m, lesson, [[89, 90]], 90)
    assert result.completed and result.completed_now
    completed_at = StudyProgress.objects.get(member=m, lesson=lesson).completed_at
    assert completed_at == at(90)
    later = beat(m, lesson, [[90, 100]], 100)
    assert later.completed and not later.completed_now
    assert StudyProgress.objects.get(member=m, lesson=lesson).completed_at == completed_at


def test_study_days_split_at_local_midnight(roles, lesson):
    m = roles.member_a
    before_midnight = dt.datetime(2026, 5, 10, 23, 59, 40, tzinfo=SHANGHAI)

    def beat_at(intervals, when):
        return progress_heartbeat_apply(member=m, lesson=lesson, intervals=intervals, now=when)

    beat_at([], before_midnight)
    beat_at([[0, 15]], before_midnight + dt.timedelta(seconds=15))  # 23:59:55 local
    beat_at([[15, 30]], before_midnight + dt.timedelta(seconds=30))  # 00:00:10 next day
    days = dict(StudyDay.objects.filter(member=m).values_list("day", "credited_seconds"))
    assert days == {dt.date(2026, 5, 10): pytest.approx(15), dt.date(2026, 5, 11): pytest.approx(15)}


def test_members_progress_is_separate(roles, lesson):
    beat(roles.member_a, lesson, [], 0)
    beat(roles.member_a, lesson, [[0, 10]], 10)
    beat(roles.member_b, lesson, [], 0)
    result = beat(roles.member_b, lesson, [[0, 10]], 10)
    assert result.credited_seconds == pytest.approx(10)
    assert StudyProgress.objects.count() == 2


def test_parallel_lessons_share_one_member_budget(roles, settings):
    """Issue #13: 35 lessons opened with empty heartbeats, ~2 s later [[0, duration]] claimed
    on each. Per-lesson caps alone credited ~4 s each (~140 s in all); the member's one clock
    allows elapsed × max rate in total."""
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    course = make_course(make_index())
    lessons = [make_lesson(course, duration=600) for _ in range(35)]
    m = roles.member_a
    for i, lesson in enumerate(lessons):
        beat(m, lesson, [], i * 0.01)
    total = sum(beat(m, lesson, [[0, 600]], 2.0 + i * 0.01).credited_seconds for i, lesson in enumerate(lessons))
    elapsed = 2.0 + 34 * 0.01
    assert 0 < total <= elapsed * 2.0 + 1e-6
    assert sum(StudyDay.objects.filter(member=m).values_list("credited_seconds", flat=True)) == pytest.approx(total)
    watched = StudyProgress.objects.filter(member=m).values_list("watched_seconds", flat=True)
    assert sum(watched) == pytest.approx(total)  # the stored sets hold exactly what was credited


def test_burst_after_a_long_pause_gets_at_most_one_silences_grace(roles, settings):
    """The documented grace: unspent time older than the max gap lapses, so after any pause a
    member can be credited at most (elapsed + max gap) × max rate — what one lesson alone
    already allows after a pause."""
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    settings.STUDY_HEARTBEAT_MAX_GAP = 300
    course = make_course(make_index())
    lessons = [make_lesson(course, duration=3600) for _ in range(35)]
    m = roles.member_a
    for lesson in lessons:
        beat(m, lesson, [], 0)
    day = 86400
    total = sum(beat(m, lesson, [[0, 3600]], day + i * 0.01).credited_seconds for i, lesson in enumerate(lessons))
    assert total <= (300 + 34 * 0.01) * 2.0 + 1e-6
    assert total == pytest.approx(600, abs=1)
    # and the next minute earns no more than the minute allows
    more = sum(beat(m, lesson, [[0, 3600]], day + 60).credited_seconds for lesson in lessons)
    assert more <= 60 * 2.0 + 1e-6


def test_two_tabs_watched_at_normal_speed_are_both_credited(roles, settings):
    """An honest member with two players running at 1× (two tabs, or phone and PC) stays
    within 2× the wall clock: nothing is lost."""
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    course = make_course(make_index())
    first, second = make_lesson(course, duration=600), make_lesson(course, duration=600)
    m = roles.member_a
    beat(m, first, [], 0)
    beat(m, second, [], 7)
    total = 0.0
    for k in range(1, 21):
        total += beat(m, first, [[15 * (k - 1), 15 * k]], 15 * k).credited_seconds
        total += beat(m, second, [[15 * (k - 1), 15 * k]], 7 + 15 * k).credited_seconds
    assert total == pytest.approx(2 * 20 * 15)


def test_three_tabs_at_normal_speed_earn_at_most_twice_the_wall_clock(roles, settings):
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    course = make_course(make_index())
    lessons = [make_lesson(course, duration=600) for _ in range(3)]
    m = roles.member_a
    for i, lesson in enumerate(lessons):
        beat(m, lesson, [], i)
    total = 0.0
    for k in range(1, 21):
        for i, lesson in enumerate(lessons):
            total += beat(m, lesson, [[15 * (k - 1), 15 * k]], 15 * k + i).credited_seconds
    assert total <= (15 * 20 + 2) * 2.0 + 1e-6
    assert total >= 15 * 20 * 2.0 - 30  # the budget is used, not wasted


def test_other_members_budgets_are_separate(roles, settings):
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    lesson = make_lesson(make_course(make_index()), duration=100)
    beat(roles.member_a, lesson, [], 0)
    beat(roles.member_b, lesson, [], 0)
    assert beat(roles.member_a, lesson, [[0, 15]], 15).credited_seconds == pytest.approx(15)
    assert beat(roles.member_b, lesson, [[0, 15]], 15).credited_seconds == pytest.approx(15)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_heartbeats_on_many_lessons_share_the_budget(roles, settings):
    """The attack with real parallel requests: every heartbeat of a member waits for the
    member's clock row, so the sum stays within the budget."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    course = make_course(make_index())
    lessons = [make_lesson(course, duration=600) for _ in range(12)]
    member = roles.member_a
    for lesson in lessons:
        beat(member, lesson, [], 0)
    barrier = threading.Barrier(len(lessons))
    results, errors = [], []

    def worker(lesson):
        try:
            barrier.wait()
            results.append(beat(member, lesson, [[0, 600]], 10).credited_seconds)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(lesson,)) for lesson in lessons]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == pytest.approx(20)
    assert sum(StudyDay.objects.filter(member=member).values_list("credited_seconds", flat=True)) == pytest.approx(20)
    assert StudyClock.objects.get(member=member).spent_until == at(10)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_heartbeats_credit_once(roles):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    lesson = make_lesson(make_course(make_index()), duration=100)
    member = roles.member_a
    beat(member, lesson, [], 0)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(beat(member, lesson, [[0, 15]], 15).credited_seconds)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [0] * 7 + [pytest.approx(15)]
    assert StudyDay.objects.get(member=member, lesson=lesson).credited_seconds == pytest.approx(15)
    assert StudyProgress.objects.get(member=member, lesson=lesson).watched_seconds == pytest.approx(15)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_heartbeats_create_one_progress_row(roles):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    lesson = make_lesson(make_course(make_index()), duration=100)
    member = roles.member_b
    barrier = threading.Barrier(6)
    errors = []

    def worker():
        try:
            barrier.wait()
            beat(member, lesson, [], 0)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert StudyProgress.objects.filter(member=member, lesson=lesson).count() == 1
