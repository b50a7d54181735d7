"""The credited-watch-time rule, in one place.

A player reports the intervals [start, end] (seconds of video time) it really played since its
last heartbeat. The server keeps, per member and lesson, the merged set of intervals already
credited. A heartbeat earns exactly the seconds of its intervals that are not yet in that set
(so replays earn nothing and a retried or duplicated heartbeat earns nothing), capped by the
wall-clock time since the previous heartbeat × the maximum playback rate (so a forged
"I watched the whole hour" earns at most what the clock allows). Seeking ahead earns nothing
because only played intervals are ever reported and credited. Intervals outside [0, duration]
are rejected as a whole. When the budget is smaller than the new seconds, the earliest new
seconds are credited and only those are remembered, so the stored set always equals what was
credited.

The same cap holds for the member as a whole: all of a member's lessons (tabs, devices) draw
on one study clock, `spent_until` — the wall-clock instant up to which the member's budget is
already spent (the "theoretical arrival time" of a generic cell-rate algorithm). The budget
now is (now − spent_until) × max rate, where unspent time older than STUDY_HEARTBEAT_MAX_GAP
has lapsed; crediting s seconds moves the clock s / max rate forward. So over any stretch of
wall clock T a member is credited at most (T + max gap) × max rate across all lessons: the
grace is one silence's worth, exactly what a single lesson already allows after a pause (a
member's first heartbeat opens the clock with no budget at all). With one lesson the member
clock never binds before the lesson's own cap does, so single-lesson viewing is unchanged.

Everything here is pure (no database); `courses.services.progress_heartbeat_apply` applies it
under the member's clock row lock."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings

Interval = tuple[float, float]

# Players report currentTime with some slack around the probed duration (last frame, rounding).
DURATION_TOLERANCE = 1.0
MAX_INTERVALS = 200


class HeartbeatError(ValueError):
    """Bad heartbeat input; the message is shown to the user (Chinese)."""


def max_playback_rate() -> float:
    return float(getattr(settings, "STUDY_MAX_PLAYBACK_RATE", 2.0))


def max_gap_seconds() -> float:
    return float(getattr(settings, "STUDY_HEARTBEAT_MAX_GAP", 300))


def complete_ratio() -> float:
    return float(getattr(settings, "LESSON_COMPLETE_RATIO", 0.9))


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise HeartbeatError(f"{what}必须是数字。")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise HeartbeatError(f"{what}必须是数字。")
    if not math.isfinite(number):
        raise HeartbeatError(f"{what}必须是有限的数字。")
    return number


def parse_intervals(raw, *, duration: float) -> list[Interval]:
    """Validate the reported intervals; anything outside [0, duration] rejects the heartbeat."""
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise HeartbeatError("播放区间格式不正确，应为 [[开始秒, 结束秒], ...]。")
    if len(raw) > MAX_INTERVALS:
        raise HeartbeatError(f"一次最多提交 {MAX_INTERVALS} 个播放区间。")
    result: list[Interval] = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise HeartbeatError("播放区间格式不正确，应为 [[开始秒, 结束秒], ...]。")
        start, end = _number(item[0], "播放区间"), _number(item[1], "播放区间")
        if end < start:
            raise HeartbeatError("播放区间的结束时间早于开始时间。")
        if start < 0 or end > duration + DURATION_TOLERANCE:
            raise HeartbeatError(f"播放区间超出视频时长（0–{duration:.0f} 秒）。")
        start, end = max(0.0, start), min(duration, end)
        if end > start:
            result.append((start, end))
    return result


def parse_position(raw, *, duration: float) -> float | None:
    if raw is None or raw == "":
        return None
    position = _number(raw, "播放位置")
    if position < 0 or position > duration + DURATION_TOLERANCE:
        raise HeartbeatError(f"播放位置超出视频时长（0–{duration:.0f} 秒）。")
    return min(position, duration)


def merge(intervals) -> list[Interval]:
    """Sorted union of intervals; touching intervals are joined."""
    out: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out if e > s]


def measure(intervals) -> float:
    return sum(e - s for s, e in intervals)


def subtract(intervals: list[Interval], covered: list[Interval]) -> list[Interval]:
    """Parts of merged `intervals` not inside merged `covered`."""
    out: list[Interval] = []
    for start, end in intervals:
        cursor = start
        for c_start, c_end in covered:
            if c_end <= cursor:
                continue
            if c_start >= end:
                break
            if c_start > cursor:
                out.append((cursor, c_start))
            cursor = max(cursor, c_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def take(intervals: list[Interval], budget: float) -> list[Interval]:
    """The first `budget` seconds of `intervals`, in order."""
    out: list[Interval] = []
    left = budget
    for start, end in intervals:
        if left <= 0:
            break
        length = min(end - start, left)
        out.append((start, start + length))
        left -= length
    return out


@dataclass(frozen=True)
class Credit:
    intervals: list[Interval]  # the new stored set (merged)
    credited_seconds: float  # seconds earned by this heartbeat
    budget_seconds: float


def member_budget(*, spent_until: dt.datetime | None, now: dt.datetime) -> float:
    """Seconds the member may still be credited now, across all lessons together.

    `spent_until` None: the member has no clock yet; this heartbeat opens it, with no budget."""
    if spent_until is None:
        return 0.0
    unspent = min((now - spent_until).total_seconds(), max_gap_seconds())
    return max(0.0, unspent) * max_playback_rate()


def member_clock_after(*, spent_until: dt.datetime | None, now: dt.datetime, credited_seconds: float) -> dt.datetime:
    """The member's clock once `credited_seconds` (within `member_budget`) have been credited."""
    if spent_until is None:
        return now
    lapsed = now - dt.timedelta(seconds=max_gap_seconds())
    return max(spent_until, lapsed) + dt.timedelta(seconds=credited_seconds / max_playback_rate())


def credit(
    *,
    stored,
    reported: list[Interval],
    elapsed_seconds: float | None,
    member_budget_seconds: float = math.inf,
) -> Credit:
    """Apply the rule: new really-played seconds, capped by elapsed wall clock × max rate, for
    this lesson and (`member_budget_seconds`, from `member_budget`) for the member as a whole.

    `elapsed_seconds` is the wall-clock time since the lesson's previous heartbeat (None: there
    was no previous heartbeat, so nothing can be credited yet — the player opens the clock with
    an empty heartbeat when playback starts). Silences longer than STUDY_HEARTBEAT_MAX_GAP
    count as that gap only: a player that stopped reporting was not being watched."""
    covered = merge(stored or [])
    if elapsed_seconds is None:
        budget = 0.0
    else:
        budget = max(0.0, min(elapsed_seconds, max_gap_seconds())) * max_playback_rate()
    budget = min(budget, max(0.0, member_budget_seconds))
    fresh = subtract(merge(reported), covered)
    granted = take(fresh, budget)
    return Credit(
        intervals=merge(covered + granted),
        credited_seconds=measure(granted),
        budget_seconds=budget,
    )


def is_complete(watched_seconds: float, duration: float) -> bool:
    return duration > 0 and watched_seconds >= complete_ratio() * duration - 1e-6
