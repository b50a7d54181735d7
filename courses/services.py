"""Writes for courses: applying a player's heartbeat to a member's study progress."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from lms.members.models import Member

from . import watch
from .models import LessonPage, StudyClock, StudyDay, StudyProgress
from .selectors import WatchableLesson


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
    member: Member | None = None,
    member_user_id: int | None = None,
    lesson: LessonPage | WatchableLesson,
    intervals,
    position=None,
    now: dt.datetime | None = None,
) -> HeartbeatResult:
    """Credit the new really-played seconds of one heartbeat (rule: courses.watch.credit, capped
    per lesson and per member).

    Idempotent: the stored intervals are merged, so a retried or duplicated heartbeat earns
    nothing. The member's study clock row is locked first (an upsert holds its row lock), so all of a
    member's heartbeats — any lesson, any tab or device — are applied one after another and
    draw on one budget. Credited seconds go to the StudyDay of the local day on which the
    heartbeat arrives. `lesson` is the page or its cached state (selectors.watchable_lesson).

    The member is `member`, or the member whose user is `member_user_id` (the heartbeat API: it
    finds the member inside the clock statement instead of loading it first; PermissionDenied
    when that user is not a member, before anything is written)."""
    if not lesson.is_playable:
        raise watch.HeartbeatError("本课视频尚未就绪，暂不能记录学习时长。")
    duration = lesson.duration_seconds
    reported = watch.parse_intervals(intervals, duration=duration)
    new_position = watch.parse_position(position, duration=duration)
    now = now or timezone.now()
    with transaction.atomic():
        member_id, spent_until, progress = _study_clock_lock(
            member_id=member.pk if member is not None else None, user_id=member_user_id, lesson_id=lesson.pk, now=now
        )
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
        progress.updated_at = now
        credited = round(result.credited_seconds, 3)
        _progress_write(
            progress=progress,
            day=timezone.localdate(now),
            credited_seconds=credited,
            spent_until=watch.member_clock_after(spent_until=spent_until, now=now, credited_seconds=credited),
        )
        if credited > 0:
            from lms.quotas.services import quota_members_touch  # their quota status, within a minute

            quota_members_touch(member_ids=[member_id])
    return HeartbeatResult(
        credited_seconds=credited,
        watched_seconds=progress.watched_seconds,
        duration_seconds=duration,
        last_position=progress.last_position,
        completed=progress.completed_at is not None,
        completed_now=completed_now,
    )


def _study_clock_lock(
    *, member_id: int | None, user_id: int | None, lesson_id: int, now: dt.datetime
) -> tuple[int, dt.datetime | None, StudyProgress]:
    """Lock the member's study clock row (creating it at `now` when missing) and read the
    lesson's progress row: (member id, `spent_until` — None when this heartbeat opens the
    clock —, the progress row, unsaved when new).

    PostgreSQL: one statement. The clock upsert takes the member's row lock first; the progress
    row is then read FOR UPDATE, which returns its newest committed version even when another
    heartbeat of the member changed it while this one waited for the clock (the statement's
    snapshot alone would be older). A progress row that does not exist yet earns nothing
    anyway (no previous heartbeat)."""
    if connection.vendor == "postgresql":
        column = "id" if member_id is not None else "user_id"
        with connection.cursor() as cursor:
            cursor.execute(_CLOCK_LOCK_SQL.format(column=column), [now, member_id or user_id, lesson_id])
            row = cursor.fetchone()
        if row is None:
            raise PermissionDenied(NOT_A_MEMBER)
        member_id, spent_until, progress_id, intervals, watched, position, heartbeat_at, completed_at, created = row
        if progress_id is None:
            progress = StudyProgress(member_id=member_id, lesson_id=lesson_id)
        else:
            if isinstance(intervals, str):
                intervals = json.loads(intervals)
            progress = StudyProgress(
                pk=progress_id,
                member_id=member_id,
                lesson_id=lesson_id,
                intervals=intervals,
                watched_seconds=watched,
                last_position=position,
                last_heartbeat_at=heartbeat_at,
                completed_at=completed_at,
                created_at=created,
            )
            progress._state.adding = False
    else:  # SQLite: the immediate write transaction already holds the database lock
        if member_id is None:
            member_id = Member.objects.filter(user_id=user_id).values_list("pk", flat=True).first()
            if member_id is None:
                raise PermissionDenied(NOT_A_MEMBER)
        spent_until = StudyClock.objects.filter(member_id=member_id).values_list("spent_until", flat=True).first()
        if spent_until is None:
            StudyClock.objects.create(member_id=member_id, spent_until=now)
            spent_until = now
        progress = StudyProgress.objects.filter(member_id=member_id, lesson_id=lesson_id).first()
        if progress is None:
            progress = StudyProgress(member_id=member_id, lesson_id=lesson_id)
    return member_id, (None if spent_until == now else spent_until), progress


NOT_A_MEMBER = "只有党员本人的观看才记录学习进度。"

_CLOCK_LOCK_SQL = """
    WITH clock AS (
        INSERT INTO courses_studyclock AS c (member_id, spent_until)
        SELECT m.id, %s FROM members_member m WHERE m.{column} = %s
        ON CONFLICT (member_id) DO UPDATE SET spent_until = c.spent_until
        RETURNING c.member_id, c.spent_until
    )
    SELECT clock.member_id, clock.spent_until, p.id, p.intervals, p.watched_seconds, p.last_position,
           p.last_heartbeat_at, p.completed_at, p.created_at
    FROM clock LEFT JOIN LATERAL (
        SELECT id, intervals, watched_seconds, last_position, last_heartbeat_at, completed_at, created_at
        FROM courses_studyprogress
        WHERE member_id = clock.member_id AND lesson_id = %s
        FOR UPDATE
    ) p ON true
"""

# One statement writes the heartbeat: the progress row (upsert), the day's credited seconds
# (upsert, adding) and the member's clock. The transaction commits without waiting for the
# WAL flush: a crash of the database server can forget the last fraction of a second of
# acknowledged heartbeats (never half of one), which the next heartbeats do not notice.
_PROGRESS_WRITE_SQL = """
    WITH progress AS (
        INSERT INTO courses_studyprogress AS p (
            member_id, lesson_id, intervals, watched_seconds, last_position, last_heartbeat_at,
            completed_at, created_at, updated_at
        ) VALUES (
            %(member)s, %(lesson)s, %(intervals)s::jsonb, %(watched)s, %(position)s, %(heartbeat_at)s,
            %(completed_at)s, %(now)s, %(now)s
        )
        ON CONFLICT (member_id, lesson_id) DO UPDATE SET
            intervals = EXCLUDED.intervals, watched_seconds = EXCLUDED.watched_seconds,
            last_position = EXCLUDED.last_position, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
            completed_at = EXCLUDED.completed_at, updated_at = EXCLUDED.updated_at
        RETURNING 1
    ), credited_day AS (
        INSERT INTO courses_studyday AS d (member_id, lesson_id, day, credited_seconds)
        SELECT %(member)s, %(lesson)s, %(day)s, %(credited)s WHERE %(credited)s > 0
        ON CONFLICT (member_id, lesson_id, day) DO UPDATE SET
            credited_seconds = d.credited_seconds + EXCLUDED.credited_seconds
        RETURNING 1
    ), clock AS (
        UPDATE courses_studyclock SET spent_until = %(spent_until)s
        WHERE member_id = %(member)s AND %(credited)s > 0
        RETURNING 1
    )
    SELECT set_config('synchronous_commit', 'off', true)
"""


def _progress_write(
    *, progress: StudyProgress, day: dt.date, credited_seconds: float, spent_until: dt.datetime
) -> None:
    """Store the progress row, add the credited seconds to the day and move the member's
    clock; callers hold the member's clock lock, which serializes this."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _PROGRESS_WRITE_SQL,
                {
                    "member": progress.member_id,
                    "lesson": progress.lesson_id,
                    "intervals": json.dumps(progress.intervals),
                    "watched": progress.watched_seconds,
                    "position": progress.last_position,
                    "heartbeat_at": progress.last_heartbeat_at,
                    "completed_at": progress.completed_at,
                    "now": progress.updated_at,
                    "day": day,
                    "credited": credited_seconds,
                    "spent_until": spent_until,
                },
            )
        return
    if progress.pk is None:
        progress.save()
    else:
        progress.save(update_fields=[*_PROGRESS_FIELDS])
    if credited_seconds > 0:
        updated = StudyDay.objects.filter(member_id=progress.member_id, lesson_id=progress.lesson_id, day=day).update(
            credited_seconds=F("credited_seconds") + credited_seconds
        )
        if not updated:
            StudyDay.objects.create(
                member_id=progress.member_id, lesson_id=progress.lesson_id, day=day, credited_seconds=credited_seconds
            )
        StudyClock.objects.filter(member_id=progress.member_id).update(spent_until=spent_until)


_PROGRESS_FIELDS = ("intervals", "watched_seconds", "last_position", "last_heartbeat_at", "completed_at", "updated_at")
