"""The credited-watch-time rule as pure functions (courses.watch)."""

import datetime as dt

import pytest

from courses import watch


def test_merge_joins_overlapping_and_touching():
    assert watch.merge([(10, 20), (0, 5), (5, 8), (15, 30)]) == [(0, 8), (10, 30)]


def test_subtract_leaves_only_uncovered_parts():
    assert watch.subtract([(0, 30)], [(5, 10), (20, 25)]) == [(0, 5), (10, 20), (25, 30)]
    assert watch.subtract([(5, 10)], [(0, 30)]) == []


def test_first_heartbeat_only_opens_the_clock():
    result = watch.credit(stored=[], reported=[(0, 10)], elapsed_seconds=None)
    assert result.credited_seconds == 0
    assert result.intervals == []


def test_replay_is_not_counted_twice():
    result = watch.credit(stored=[[0, 30]], reported=[(0, 30)], elapsed_seconds=30)
    assert result.credited_seconds == 0
    result = watch.credit(stored=[[0, 30]], reported=[(20, 40)], elapsed_seconds=30)
    assert result.credited_seconds == pytest.approx(10)
    assert result.intervals == [(0, 40)]


def test_budget_is_wall_clock_times_max_rate(settings):
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    result = watch.credit(stored=[], reported=[(0, 100)], elapsed_seconds=15)
    assert result.credited_seconds == pytest.approx(30)
    assert result.intervals == [(0, 30)]  # only what was credited is remembered


def test_long_silence_counts_only_up_to_the_max_gap(settings):
    settings.STUDY_HEARTBEAT_MAX_GAP = 120
    settings.STUDY_MAX_PLAYBACK_RATE = 1.0
    result = watch.credit(stored=[], reported=[(0, 3600)], elapsed_seconds=86400)
    assert result.credited_seconds == pytest.approx(120)


@pytest.mark.parametrize(
    "raw",
    [
        [[-5, 10]],
        [[0, 150]],
        [[10, 5]],
        [["a", 3]],
        [[0, float("nan")]],
        [[1, 2, 3]],
        "0-10",
        [[True, 3]],
    ],
)
def test_bad_intervals_are_rejected_in_chinese(raw):
    with pytest.raises(watch.HeartbeatError) as exc:
        watch.parse_intervals(raw, duration=100)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value))


def test_intervals_within_tolerance_are_clamped():
    assert watch.parse_intervals([[0, 100.4]], duration=100) == [(0, 100)]


def test_too_many_intervals_are_rejected():
    with pytest.raises(watch.HeartbeatError):
        watch.parse_intervals([[i, i + 0.1] for i in range(watch.MAX_INTERVALS + 1)], duration=1000)


def test_completion_threshold(settings):
    settings.LESSON_COMPLETE_RATIO = 0.9
    assert not watch.is_complete(89.9, 100)
    assert watch.is_complete(90, 100)
    settings.LESSON_COMPLETE_RATIO = 0.5
    assert watch.is_complete(50, 100)


def test_member_clock_opens_with_no_budget(settings):
    now = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
    assert watch.member_budget(spent_until=None, now=now) == 0
    assert watch.member_clock_after(spent_until=None, now=now, credited_seconds=0) == now


def test_member_budget_is_unspent_wall_clock_times_max_rate(settings):
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    settings.STUDY_HEARTBEAT_MAX_GAP = 300
    t0 = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
    now = t0 + dt.timedelta(seconds=15)
    assert watch.member_budget(spent_until=t0, now=now) == pytest.approx(30)
    # 10 s credited spend 5 s of clock (at 2×): 20 s are left
    after = watch.member_clock_after(spent_until=t0, now=now, credited_seconds=10)
    assert after == t0 + dt.timedelta(seconds=5)
    assert watch.member_budget(spent_until=after, now=now) == pytest.approx(20)
    # spending the whole budget brings the clock to now
    assert watch.member_clock_after(spent_until=t0, now=now, credited_seconds=30) == now
    # a clock ahead of now (a stale retry arriving late) has nothing to give
    assert watch.member_budget(spent_until=now, now=t0) == 0


def test_unspent_member_time_lapses_after_the_max_gap(settings):
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    settings.STUDY_HEARTBEAT_MAX_GAP = 300
    t0 = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
    now = t0 + dt.timedelta(days=1)
    assert watch.member_budget(spent_until=t0, now=now) == pytest.approx(600)
    after = watch.member_clock_after(spent_until=t0, now=now, credited_seconds=100)
    assert after == now - dt.timedelta(seconds=250)


def test_member_budget_caps_the_lesson_budget(settings):
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    result = watch.credit(stored=[], reported=[(0, 100)], elapsed_seconds=15, member_budget_seconds=4)
    assert result.credited_seconds == pytest.approx(4)
    assert result.intervals == [(0, 4)]
    result = watch.credit(stored=[], reported=[(0, 100)], elapsed_seconds=15, member_budget_seconds=-3)
    assert result.credited_seconds == 0
