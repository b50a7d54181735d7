"""Credited training days (认定培训日): the one rule that turns attendance into days.

Rule: a class day counts for a member when the member attended at least
``TRAINING_DAY_MIN_SHARE`` (setting, default 0.5) of that day's scheduled session time.
"That day" is the local calendar day (Asia/Shanghai) a session starts on; a session's time is
its scheduled length; a member attended a session when their Attendance row says present.
The credited row keeps the tier of the school that ran the class and the class's rotation
flag, so quotas can count "days at a town school or higher" and "rotation classes" with a
filter; ``hours`` is the attended time in hours.

Nothing is credited before it happened: a class day is credited only once every session of
that day has ended (no provisional rows — quotas can count every row as final). Until then the
member's pages show the day as "待认定" (pending). Sign-in and roll call recompute at once
when the day is already over; `credited_days_settle` (Celery beat, every few minutes) credits
the days that ended since.

`credited_days_recompute` is idempotent: it derives the wanted rows for a class (optionally
only some members) from attendance and inserts, updates or deletes to match.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms.quotas.services import quota_members_touch  # their quota status, within a minute

from .models import Attendance, ClassSession, CreditedDay, TrainingClass

DEFAULT_MIN_SHARE = 0.5


def min_share() -> float:
    return float(getattr(settings, "TRAINING_DAY_MIN_SHARE", DEFAULT_MIN_SHARE))


def day_is_credited(attended_seconds: int, scheduled_seconds: int, share: float | None = None) -> bool:
    """The rule itself: attended share of the day's scheduled time reaches the threshold."""
    if scheduled_seconds <= 0 or attended_seconds <= 0:
        return False
    share = min_share() if share is None else share
    return attended_seconds >= share * scheduled_seconds


def seconds_to_hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def session_day(session: ClassSession) -> dt.date:
    return timezone.localtime(session.starts_at).date()


def day_ends(sessions: Iterable[ClassSession]) -> dict[dt.date, dt.datetime]:
    """Local class day → when its last session ends."""
    ends: dict[dt.date, dt.datetime] = {}
    for s in sessions:
        day = session_day(s)
        if day not in ends or s.ends_at > ends[day]:
            ends[day] = s.ends_at
    return ends


def credited_days_for(
    sessions: Iterable[ClassSession],
    present: Iterable[tuple[int, int]],
    share: float | None = None,
    now: dt.datetime | None = None,
) -> dict[tuple[int, dt.date], int]:
    """(member_id, day) → attended seconds for the days the rule credits, given the class's
    sessions and (member_id, session_id) pairs of presence. Days whose last session has not
    ended by ``now`` are never credited. Pure apart from the clock: the demo reuses it."""
    now = now or timezone.now()
    sessions = list(sessions)
    over = {day for day, end in day_ends(sessions).items() if end <= now}
    session_day_len: dict[int, tuple[dt.date, int]] = {}
    scheduled: dict[dt.date, int] = defaultdict(int)
    for s in sessions:
        day, length = session_day(s), s.duration_seconds
        if day not in over:
            continue
        session_day_len[s.pk] = (day, length)
        scheduled[day] += length
    attended: dict[tuple[int, dt.date], int] = defaultdict(int)
    for member_id, session_id in present:
        if session_id in session_day_len:
            day, length = session_day_len[session_id]
            attended[(member_id, day)] += length
    return {key: secs for key, secs in attended.items() if day_is_credited(secs, scheduled[key[1]], share)}


@transaction.atomic(savepoint=False)  # part of the caller's transaction when there is one
def credited_days_recompute(
    training_class: TrainingClass, member_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None
) -> int:
    """Bring CreditedDay rows of ``training_class`` (for ``member_ids`` or everyone) in line
    with attendance. Returns the number of credited rows after the run."""
    training_class = TrainingClass.objects.select_related("school").get(pk=training_class.pk)
    sessions = list(training_class.sessions.all())
    presence = Attendance.objects.filter(session__training_class=training_class, present=True)
    existing_qs = CreditedDay.objects.filter(training_class=training_class)
    if member_ids is not None:
        member_ids = list(member_ids)
        presence = presence.filter(member_id__in=member_ids)
        existing_qs = existing_qs.filter(member_id__in=member_ids)
    wanted = credited_days_for(sessions, presence.values_list("member_id", "session_id"), now=now)
    if training_class.status == TrainingClass.Status.CANCELLED:
        wanted = {}
    existing = {(c.member_id, c.day): c for c in existing_qs}
    tier, rotation = training_class.school.tier, training_class.is_rotation
    stale = [c.pk for key, c in existing.items() if key not in wanted]
    if stale:
        CreditedDay.objects.filter(pk__in=stale).delete()
    new, changed = [], []
    for (member_id, day), secs in wanted.items():
        hours = seconds_to_hours(secs)
        row = existing.get((member_id, day))
        if row is None:
            new.append(
                CreditedDay(
                    member_id=member_id,
                    day=day,
                    training_class=training_class,
                    school_tier=tier,
                    is_rotation=rotation,
                    hours=hours,
                )
            )
        elif (row.hours, row.school_tier, row.is_rotation) != (hours, tier, rotation):
            row.hours, row.school_tier, row.is_rotation = hours, tier, rotation
            changed.append(row)
    CreditedDay.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    if changed:
        CreditedDay.objects.bulk_update(changed, ["hours", "school_tier", "is_rotation"], batch_size=2000)

    touched = {key[0] for key in existing if key not in wanted} | {c.member_id for c in new + changed}
    quota_members_touch(member_ids=touched)
    return len(wanted)


def credited_days_settle(*, now: dt.datetime | None = None, lookback: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Credit the class days that ended since the last run: every class (not cancelled) with a
    session that ended within ``lookback`` is recomputed. Idempotent; returns classes settled."""
    now = now or timezone.now()
    class_ids = (
        ClassSession.objects.filter(ends_at__lte=now, ends_at__gt=now - lookback)
        .exclude(training_class__status=TrainingClass.Status.CANCELLED)
        .values_list("training_class_id", flat=True)
        .distinct()
    )
    settled = 0
    for class_id in list(class_ids):
        with transaction.atomic():
            credited_days_recompute(TrainingClass(pk=class_id), now=now)
        settled += 1
    return settled


def day_pending(training_class: TrainingClass, day: dt.date, now: dt.datetime | None = None) -> bool:
    """True while a class day still has a session that has not ended (its credit is pending)."""
    now = now or timezone.now()
    return training_class.sessions.filter(starts_at__date=day, ends_at__gt=now).exists()
