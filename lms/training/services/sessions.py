"""Writes for the sessions (课次) of a class: place, teacher and time rules, no double booking,
and what a session that already happened may no longer change. Every change refreshes the
class's stored 5+1+N result and, when attendance exists, its credited days."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.schools.models import PartySchool, Room, TeachingPoint
from teachers.models import Evaluation, Teacher
from teachers.selectors import roster_teachers

from .. import conf
from ..credit import credited_days_recompute, session_day
from ..models import Attendance, ClassSession, TrainingClass
from ..rules import room_allowed, session_conflicts, teaching_point_allowed
from ..template import teacher_kind_refusal
from .classes import compliance_refresh
from .permissions import school_manage_check


def _lock_bookables(session: ClassSession) -> None:
    """Serialize bookings of the same teacher / teaching point / room so two staff users cannot
    both pass the conflict check at once (row locks on PostgreSQL; SQLite serializes writers)."""
    if session.teacher_id:
        list(Teacher.objects.select_for_update().filter(pk=session.teacher_id))
    if session.teaching_point_id:
        list(TeachingPoint.objects.select_for_update().filter(pk=session.teaching_point_id))
    if session.venue_id:
        list(Room.objects.select_for_update().filter(pk=session.venue_id))


def _fmt(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def session_rule_errors(session: ClassSession, school: PartySchool) -> dict[str, str]:
    """Place, teacher and time rules of a session (without double bookings); shared by the
    workspace, the API and the Wagtail admin form.

    Times: inside the class's dates, end after start, at most ``TRAINING_SESSION_MAX_HOURS``.
    Place: a town school books its own town's teaching points and its own rooms. Teacher: on
    the year's roster, of the kind the item requires (领导讲课 → 领导干部). Records stay true:
    a session with attendance keeps its times, one with evaluations keeps its teacher."""
    errors: dict[str, str] = {}
    if session.kind == ClassSession.Kind.OPTIONAL and not (session.title or "").strip():
        errors["title"] = "自选动作请填写名称。"
    if session.starts_at and session.ends_at:
        if session.ends_at <= session.starts_at:
            errors["ends_at"] = "结束时间必须晚于开始时间。"
        elif (session.ends_at - session.starts_at) > dt.timedelta(hours=conf.session_max_hours()):
            errors["ends_at"] = f"单个课次最长{conf.session_max_hours():g}小时，请拆分为多个课次。"
        c = session.training_class
        first, last = session_day(session), timezone.localtime(session.ends_at).date()
        if c.start_date and c.end_date and not (c.start_date <= first and last <= c.end_date):
            errors["starts_at"] = (
                f"课次时间须在班次日期内（{c.start_date:%Y-%m-%d} 至 {c.end_date:%Y-%m-%d}），"
                f"当前为 {_fmt(session.starts_at)}–{_fmt(session.ends_at)}。"
            )
    if session.kind == ClassSession.Kind.TEACHING_POINT and not session.teaching_point_id:
        errors["teaching_point"] = "现场教学请选择基层教学点。"
    if session.teaching_point_id and not teaching_point_allowed(school, session.teaching_point):
        errors["teaching_point"] = "镇街党校只能选择本镇街的基层教学点。"
    if session.venue_id and not room_allowed(school, session.venue):
        errors["venue"] = "只能选择本党校的教室。"
    if session.teacher_id and session.starts_at:
        year = timezone.localtime(session.starts_at).year
        if not roster_teachers(year).filter(pk=session.teacher_id).exists():
            errors["teacher"] = f"该讲师不在{year}年度师资库名单中，不能安排授课。"
        else:
            refusal = teacher_kind_refusal(session.kind, session.teacher)
            if refusal:
                errors["teacher"] = refusal
    if session.pk:
        errors.update(_history_errors(session))
    return errors


def _history_errors(session: ClassSession) -> dict[str, str]:
    """What a session that already happened may no longer change."""
    errors: dict[str, str] = {}
    before = ClassSession.objects.filter(pk=session.pk).values("teacher_id", "starts_at", "ends_at").first()
    if before is None:
        return errors
    if before["teacher_id"] != session.teacher_id and Evaluation.objects.filter(session_id=session.pk).exists():
        errors["teacher"] = "该课次已有学员评价，不能更换讲师（评价须对应实际授课的讲师）。"
    moved = (before["starts_at"], before["ends_at"]) != (session.starts_at, session.ends_at)
    if moved and Attendance.objects.filter(session_id=session.pk).exists():
        errors["starts_at"] = "该课次已有签到或点名记录，不能修改时间。"
    return errors


@transaction.atomic
def session_save(*, user, session: ClassSession) -> ClassSession:
    """Create or change a session: place and teacher rules, no double booking, then the
    class's stored 5+1+N result is refreshed."""
    training_class = TrainingClass.objects.select_related("school").get(pk=session.training_class_id)
    school_manage_check(user, training_class.school)
    session.training_class = training_class
    errors = session_rule_errors(session, training_class.school)
    if errors:
        raise ValidationError(errors)
    session.full_clean()
    _lock_bookables(session)
    errors = session_conflicts(session)
    if errors:
        raise ValidationError(errors)
    session.save()
    compliance_refresh(training_class)
    _credited_days_follow_schedule(training_class)
    return session


@transaction.atomic
def session_delete(*, user, session: ClassSession) -> None:
    training_class = session.training_class
    school_manage_check(user, training_class.school_id)
    if session.attendances.exists():
        raise ValidationError("该课次已有签到记录，不能删除。")
    session.delete()
    compliance_refresh(training_class)
    _credited_days_follow_schedule(training_class)


def _credited_days_follow_schedule(training_class: TrainingClass) -> None:
    """A session added to or removed from a class day changes that day's scheduled time, and so
    whether the attendance already recorded still reaches the share the rule asks for."""
    if Attendance.objects.filter(session__training_class=training_class).exists():
        credited_days_recompute(training_class)
