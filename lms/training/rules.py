"""Booking rules for sessions: who may be booked where, and no double bookings.

A teacher, a teaching point or a school's room cannot be in two overlapping sessions (of
classes that are not cancelled). Overlap is half-open: a session ending at 10:00 and one starting at 10:00 do not
clash. A town branch school may hold sessions only at its own town's teaching points; the
city/county school may use any teaching point."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from lms.schools.models import PartySchool, Room, TeachingPoint

from .models import ClassSession, TrainingClass


def _overlapping(starts_at: dt.datetime, ends_at: dt.datetime, exclude_session=None) -> QuerySet[ClassSession]:
    qs = (
        ClassSession.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(training_class__status=TrainingClass.Status.CANCELLED)
        .select_related("training_class", "training_class__school")
    )
    if exclude_session is not None and getattr(exclude_session, "pk", exclude_session):
        qs = qs.exclude(pk=getattr(exclude_session, "pk", exclude_session))
    return qs


def teacher_conflicts(teacher, starts_at: dt.datetime, ends_at: dt.datetime, exclude_session=None):
    """Sessions of other (non-cancelled) classes that book ``teacher`` in the same time."""
    teacher_id = getattr(teacher, "pk", teacher)
    return _overlapping(starts_at, ends_at, exclude_session).filter(teacher_id=teacher_id)


def teaching_point_conflicts(point, starts_at: dt.datetime, ends_at: dt.datetime, exclude_session=None):
    point_id = getattr(point, "pk", point)
    return _overlapping(starts_at, ends_at, exclude_session).filter(teaching_point_id=point_id)


def room_conflicts(room, starts_at: dt.datetime, ends_at: dt.datetime, exclude_session=None):
    room_id = getattr(room, "pk", room)
    return _overlapping(starts_at, ends_at, exclude_session).filter(venue_id=room_id)


def _when(s: ClassSession) -> str:
    a, b = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
    return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}"


def session_conflicts(session: ClassSession) -> dict[str, str]:
    """Field → Chinese message for every booking clash of ``session`` (empty when none)."""
    errors: dict[str, str] = {}
    if not (session.starts_at and session.ends_at) or session.ends_at <= session.starts_at:
        return errors
    if session.teacher_id:
        other = teacher_conflicts(session.teacher_id, session.starts_at, session.ends_at, session).first()
        if other:
            errors["teacher"] = (
                f"讲师{session.teacher}在该时段已安排在班次“{other.training_class}”的“{other.display_title}”"
                f"（{_when(other)}），不能重复安排。"
            )
    if session.teaching_point_id:
        other = teaching_point_conflicts(session.teaching_point_id, session.starts_at, session.ends_at, session).first()
        if other:
            errors["teaching_point"] = (
                f"教学点{session.teaching_point}在该时段已被班次“{other.training_class}”预约"
                f"（{other.display_title}，{_when(other)}），请另选时间或教学点。"
            )
    if session.venue_id:
        other = room_conflicts(session.venue_id, session.starts_at, session.ends_at, session).first()
        if other:
            errors["venue"] = (
                f"教室“{session.venue.name}”在该时段已被班次“{other.training_class}”占用"
                f"（{other.display_title}，{_when(other)}），请另选时间或教室。"
            )
    return errors


def teaching_points_for_school(school: PartySchool) -> QuerySet[TeachingPoint]:
    """Teaching points a school may book: its own for a town school, all for the city school."""
    qs = TeachingPoint.objects.filter(is_active=True).select_related("school")
    if school.tier == PartySchool.Tier.TOWN:
        qs = qs.filter(school=school)
    return qs.order_by("school__name", "name")


def teaching_point_allowed(school: PartySchool, point: TeachingPoint) -> bool:
    return school.tier != PartySchool.Tier.TOWN or point.school_id == school.pk


def rooms_for_school(school: PartySchool) -> QuerySet[Room]:
    """Rooms a school may book: its own active rooms."""
    return Room.objects.filter(is_active=True, school=school).select_related("school").order_by("name")


def room_allowed(school: PartySchool, room: Room) -> bool:
    return room.school_id == school.pk
