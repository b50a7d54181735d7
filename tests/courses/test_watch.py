"""The credited-watch-time rule as pure functions (courses.watch)."""

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
