"""Calendar feeds (iCalendar): a member's classes, a teacher's teaching, and the signed
subscription link for calendar apps that cannot log in."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from lms.accounts import policy
from teachers.models import Teacher

from .. import ical, selectors


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _feed_range():
    now = timezone.now()
    return now - dt.timedelta(days=90), now + dt.timedelta(days=365)


@login_required
def member_ics(request):
    member_id = policy.member_id_for(request.user)
    if not member_id:
        raise PermissionDenied("只有党员账号可以导出班次日历。")
    start, end = _feed_range()
    sessions = selectors.sessions_for_member(member_id, start, end)
    return _ics(ical.sessions_calendar(sessions, name="我的党校班次", host=request.get_host()), "my-classes.ics")


def _teacher_feed(request, teacher_id: int) -> HttpResponse:
    teacher = get_object_or_404(Teacher, pk=teacher_id)
    start, end = _feed_range()
    sessions = selectors.sessions_for_teacher(teacher, start, end)
    return _ics(
        ical.sessions_calendar(sessions, name=f"{teacher.name}的授课安排", host=request.get_host()), "teaching.ics"
    )


@login_required
def teacher_ics(request):
    teacher_id = policy.teacher_id_for(request.user)
    if not teacher_id:
        raise PermissionDenied("只有讲师账号可以导出授课日历。")
    return _teacher_feed(request, teacher_id)


def teacher_ics_token(request, token: str):
    """Subscription URL for calendar apps that cannot log in (token = signed teacher id)."""
    teacher_id = ical.teacher_feed_token_check(token)
    if teacher_id is None:
        raise Http404("日历订阅链接无效。")
    return _teacher_feed(request, teacher_id)


@login_required
def teacher_feed_link(request):
    teacher_id = policy.teacher_id_for(request.user)
    if not teacher_id:
        raise PermissionDenied("只有讲师账号有授课日历订阅链接。")
    url = request.build_absolute_uri(reverse("training:teacher_ics_token", args=[ical.teacher_feed_token(teacher_id)]))
    return render(request, "training/teacher_feed.html", {"url": url})
