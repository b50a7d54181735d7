"""Who may evaluate which session, and when: the one place for the evaluation rule."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lms.training.models import Attendance, ClassSession

from . import conf


def evaluation_closes_at(session: ClassSession) -> dt.datetime:
    return session.ends_at + dt.timedelta(days=conf.evaluation_window_days())


def evaluation_refusal(*, member, session: ClassSession, now: dt.datetime | None = None) -> str | None:
    """Why `member` may not evaluate `session` now (a Chinese message), or None if they may.
    Only members marked present, only sessions with a teacher, only after the session has
    ended and before the window closes."""
    now = now or timezone.now()
    if member is None:
        return "只有党员学员可以评价授课。"
    if session.teacher_id is None:
        return "该课次没有授课讲师，无需评价。"
    if session.ends_at > now:
        return "课程尚未结束，结束后才能评价。"
    if now > evaluation_closes_at(session):
        return f"评价已截止（课程结束后 {conf.evaluation_window_days()} 天内可评价）。"
    if not Attendance.objects.filter(session=session, member=member, present=True).exists():
        return "只有参加了本次课程的学员才能评价。"
    return None
