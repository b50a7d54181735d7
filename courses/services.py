"""Writes for courses: applying a player's heartbeat to a member's study progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lms.members.models import Member

from . import watch
from .models import LessonPage, StudyClock, StudyDay, StudyProgress


@dataclass(frozen=True)
class HeartbeatResult:
    credited_seconds: float
    watched_seconds: float
    duration_seconds: float
    last_position: float
    completed: bool
    completed_now: bool


def progress_heartbeat_apply(
    *,
    member: Member,
    lesson: LessonPage,
    intervals,
    position=None,
    now: dt.datetime | None = None,
) -> HeartbeatResult:
    """Credit the new really-played seconds of one heartbeat (rule: courses.watch.credit, capped
    per lesson and per member).

    Idempotent: the stored intervals are merged, so a retried or duplicated heartbeat earns
    nothing. The member's study clock row is locked first (select_for_update), so all of a
    member's heartbeats — any lesson, any tab or device — are applied one after another and
    draw on one budget. Credited seconds go to the StudyDay of the local day on which the
    heartbeat arrives."""
    if not lesson.is_playable:
        raise watch.HeartbeatError("本课视频尚未就绪，暂不能记录学习时长。")
    duration = lesson.duration_seconds
    reported = watch.parse_intervals(intervals, duration=duration)
    new_position = watch.parse_position(position, duration=duration)
    now = now or timezone.now()
    with transaction.atomic():
        spent_until = _study_clock_lock(member=member, now=now)
        progress = StudyProgress.objects.filter(member=member, lesson=lesson).first()
        created = progress is None
        if created:
            progress = StudyProgress(member=member, lesson=lesson)
        elapsed = None
        if progress.last_heartbeat_at is not None:
            elapsed = (now - progress.last_heartbeat_at).total_seconds()
        result = watch.credit(
            stored=progress.intervals,
            reported=reported,
            elapsed_seconds=elapsed,
            member_budget_seconds=watch.member_budget(spent_until=spent_until, now=now),
        )
        progress.intervals = [[round(s, 3), round(e, 3)] for s, e in result.intervals]
        progress.watched_seconds = round(watch.measure(result.intervals), 3)
        if new_position is not None:
            progress.last_position = new_position
        # A stale retry must not move the clock backwards.
        if progress.last_heartbeat_at is None or now > progress.last_heartbeat_at:
            progress.last_heartbeat_at = now
        completed_now = False
        if progress.completed_at is None and watch.is_complete(progress.watched_seconds, duration):
            progress.completed_at = now
            completed_now = True
        if created:
            progress.save()
        else:
            progress.save(
                update_fields=[
                    "intervals",
                    "watched_seconds",
                    "last_position",
                    "last_heartbeat_at",
                    "completed_at",
                    "updated_at",
                ]
            )
        credited = round(result.credited_seconds, 3)
        if credited > 0:
            _study_day_add(member=member, lesson=lesson, day=timezone.localdate(now), seconds=credited)
            StudyClock.objects.filter(member=member).update(
                spent_until=watch.member_clock_after(spent_until=spent_until, now=now, credited_seconds=credited)
            )
    return HeartbeatResult(
        credited_seconds=credited,
        watched_seconds=progress.watched_seconds,
        duration_seconds=duration,
        last_position=progress.last_position,
        completed=progress.completed_at is not None,
        completed_now=completed_now,
    )


def _study_clock_lock(*, member: Member, now: dt.datetime) -> dt.datetime | None:
    """Lock the member's study clock row and return `spent_until`; None when this heartbeat
    opens the clock (the row is created at `now`, so a concurrent first heartbeat finds it)."""
    locked = StudyClock.objects.select_for_update().filter(member=member)
    spent_until = locked.values_list("spent_until", flat=True).first()
    if spent_until is not None:
        return spent_until
    StudyClock.objects.bulk_create([StudyClock(member=member, spent_until=now)], ignore_conflicts=True)
    spent_until = locked.values_list("spent_until", flat=True).get()
    return None if spent_until == now else spent_until


def _study_day_add(*, member: Member, lesson: LessonPage, day: dt.date, seconds: float) -> None:
    """Add to the day's row; callers hold the member's clock lock, which serializes this."""
    updated = StudyDay.objects.filter(member=member, lesson=lesson, day=day).update(
        credited_seconds=F("credited_seconds") + seconds
    )
    if not updated:
        StudyDay.objects.create(member=member, lesson=lesson, day=day, credited_seconds=seconds)
    from lms.quotas.services import quota_members_touch  # their quota status, within a minute

    quota_members_touch(member_ids=[member.pk])
