"""Roll call (人工点名) and the day's carried presence: staff mark members present or absent
(audited, never before the session's sign-in window opens), and members who scanned in earlier
that day are marked "当日签到" at the sessions that have since started."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.audit.services import audit_record

from .. import conf
from ..credit import credited_days_recompute, session_day
from ..models import Attendance, ClassSession, Enrollment, TrainingClass
from .attendance import SCANNED, day_sessions, signin_window
from .permissions import school_manage_check

ROLL_CALL_TOO_EARLY = "点名尚未开始：本课次 {start} 开始，开课前 {before} 分钟开放点名。"
ROLL_CALL_NOT_PUBLISHED = "班次尚未发布或已取消，不能点名。"


def attendance_day_carry(*, now: dt.datetime | None = None, session_ids: Iterable[int] | None = None) -> int:
    """Mark "当日签到" presence at sessions that have started, for members who signed in (QR or
    code) to the same class on the same day before the session ended. Never overrides a row
    (a roll call's absence stays). Idempotent; returns the number of rows added."""
    now = now or timezone.now()
    started = ClassSession.objects.filter(
        starts_at__lte=now,
        starts_at__gt=now - dt.timedelta(hours=24),
        training_class__status=TrainingClass.Status.PUBLISHED,
    )
    if session_ids is not None:
        started = started.filter(pk__in=list(session_ids))
    started = list(started)
    if not started:
        return 0
    by_day: dict[tuple[int, dt.date], list[ClassSession]] = {}
    for s in started:
        by_day.setdefault((s.training_class_id, session_day(s)), []).append(s)
    tz = timezone.get_current_timezone()
    rows = []
    for (class_id, day), sessions in by_day.items():
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        first_scan: dict[int, dt.datetime] = {}
        for member_id, signed_at in Attendance.objects.filter(
            session__training_class_id=class_id,
            session__starts_at__gte=start,
            session__starts_at__lt=start + dt.timedelta(days=1),
            present=True,
            source__in=SCANNED,
        ).values_list("member_id", "signed_at"):
            if member_id not in first_scan or signed_at < first_scan[member_id]:
                first_scan[member_id] = signed_at
        for s in sessions:
            rows += [
                Attendance(session=s, member_id=m, present=True, source=Attendance.Source.DAY, signed_at=now)
                for m, scanned in first_scan.items()
                if scanned <= s.ends_at
            ]
    if not rows:
        return 0
    before = Attendance.objects.filter(session__in=started).count()
    Attendance.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return Attendance.objects.filter(session__in=started).count() - before


def _day_signed_in(session: ClassSession, member_ids: list[int]) -> set[int]:
    """Which of ``member_ids`` scanned in to ``session``'s class on its day."""
    if not member_ids:
        return set()
    day_ids = [s.pk for s in day_sessions(session)]
    return set(
        Attendance.objects.filter(
            session_id__in=day_ids, member_id__in=member_ids, present=True, source__in=SCANNED
        ).values_list("member_id", flat=True)
    )


def roll_call_refusal(session: ClassSession, now: dt.datetime | None = None) -> str:
    """Why staff may not take the roll of ``session`` now ('' when they may): only for a
    published class, and not before the sign-in window opens."""
    now = now or timezone.now()
    if session.training_class.status != TrainingClass.Status.PUBLISHED:
        return ROLL_CALL_NOT_PUBLISHED
    opens, _ = signin_window(session)
    if now < opens:
        return ROLL_CALL_TOO_EARLY.format(
            start=f"{timezone.localtime(session.starts_at):%m月%d日 %H:%M}",
            before=conf.signin_open_before_minutes(),
        )
    return ""


@transaction.atomic
def attendance_roll_call(*, user, session: ClassSession, present: dict[int, bool]) -> int:
    """Staff set present/absent for enrolled members; every change is audited (who, what,
    from → to). Refused before the session's sign-in window opens. Returns the number of
    changed members."""
    training_class = session.training_class
    school_manage_check(user, training_class.school_id)
    now = timezone.now()
    reason = roll_call_refusal(session, now)
    if reason:
        raise ValidationError(reason)
    enrolled = set(
        Enrollment.objects.filter(training_class=training_class, member_id__in=list(present)).values_list(
            "member_id", flat=True
        )
    )
    strangers = [m for m in present if m not in enrolled]
    if strangers:
        raise ValidationError(f"以下党员未报名本班次：{', '.join(map(str, strangers))}")
    existing = {a.member_id: a for a in Attendance.objects.filter(session=session, member_id__in=list(present))}
    # Members signed in for the day would be carried into this session: an absence is recorded.
    day_signed = _day_signed_in(session, [m for m, p in present.items() if not p and m not in existing])
    changed: list[int] = []
    for member_id, is_present in present.items():
        row = existing.get(member_id)
        before = None if row is None else row.present
        if before == is_present or (row is None and not is_present and member_id not in day_signed):
            continue
        if row is None:
            Attendance.objects.create(
                session=session,
                member_id=member_id,
                present=is_present,
                source=Attendance.Source.ROLL_CALL,
                recorded_by=user,
            )
        else:
            row.present, row.source, row.recorded_by = is_present, Attendance.Source.ROLL_CALL, user
            row.save(update_fields=["present", "source", "recorded_by"])
        changed.append(member_id)
        audit_record(
            actor=user,
            action="attendance_roll_call",
            obj=session,
            summary=f"人工点名：{training_class} / {session.display_title} / 党员{member_id}",
            changes={"member": member_id, "present": [before, is_present]},
        )
    if changed and session.ends_at <= now:
        credited_days_recompute(training_class, changed, now=now)
    return len(changed)
