"""The workspace's classes and sessions: list, my classes, create/edit/publish/cancel a
class, add/edit/delete its sessions, and the session form's teacher picker."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lms import params
from lms.accounts import policy
from lms.accounts.scope import scope_for

from .. import selectors
from ..forms import ClassForm, SessionForm
from ..models import ClassSession, TrainingClass
from ..services import classes, sessions
from ..services.permissions import NOT_YOUR_SCHOOL, school_manage_check, school_manageable
from .common import class_or_404, form_errors_apply, session_or_404, write_and_tell


@login_required
def index(request):
    scope = scope_for(request.user)
    if not scope.is_staff_scope:
        return my_classes(request)
    qs = selectors.classes_visible_to(request.user)
    status = params.choice(
        request.GET.get("status"), name="status", choices=TrainingClass.Status.values, label="状态", default=""
    )
    if status:
        qs = qs.filter(status=status)
    if params.flag(request.GET.get("noncompliant"), name="noncompliant"):
        qs = qs.filter(is_compliant=False)
    year = params.year(request.GET.get("year"), default=None)
    if year:
        qs = qs.filter(start_date__year=year)
    rows = list(qs.order_by("-start_date", "title")[:200])
    return render(
        request,
        "training/index.html",
        {
            "classes": rows,
            "can_manage": scope.can_manage_schools or scope.is_all,
            "statuses": TrainingClass.Status.choices,
            "status": status,
            "year": year,
        },
    )


@login_required
def my_classes(request):
    member_id = policy.member_id_for(request.user)
    if not member_id:
        raise PermissionDenied("只有党员账号有“我的班次”。")
    today = timezone.localdate()
    upcoming = list(selectors.upcoming_classes_for_member(member_id, today, limit=20))
    now = timezone.now()
    sessions = list(selectors.sessions_for_member(member_id, now - dt.timedelta(days=3), now + dt.timedelta(days=60)))
    selectors.member_session_status(member_id, sessions, now)
    credited = list(selectors.member_credited_days(member_id)[:30])
    pending_days = sorted(
        {
            (timezone.localtime(s.starts_at).date(), s.training_class.title)
            for s in sessions
            if s.signin_css == "ok" and s.ends_at > now
        }
    )
    return render(
        request,
        "training/my_classes.html",
        {"upcoming": upcoming, "sessions": sessions, "credited": credited, "pending_days": pending_days},
    )


@login_required
def class_new(request):
    scope = scope_for(request.user)
    if not (scope.is_all or scope.can_manage_schools):
        raise PermissionDenied(NOT_YOUR_SCHOOL)
    form = ClassForm(request.POST or None, user=request.user)
    if request.method == "GET":
        form.initial.setdefault("start_date", timezone.localdate() + dt.timedelta(days=7))
        form.initial.setdefault("end_date", timezone.localdate() + dt.timedelta(days=7))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            training_class = classes.class_create(
                user=request.user,
                school=data["school"],
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                module=data["module"],
                audiences=data["audiences"],
                capacity=data["capacity"],
                place=data["place"],
                is_rotation=data["is_rotation"],
                planned_class=data.get("planned_class"),
                from_template=data.get("from_template", False),
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, "班次已创建（草稿）。请补充基层教学点现场教学后发布。")
            return redirect("training:class_detail", pk=training_class.pk)
    return render(request, "training/class_form.html", {"form": form, "title": "新建班次"})


@login_required
def class_edit(request, pk: int):
    training_class = class_or_404(request, pk)
    school_manage_check(request.user, training_class.school_id)
    form = ClassForm(request.POST or None, instance=training_class, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in classes.CLASS_FIELDS}
        try:
            classes.class_update(user=request.user, training_class=TrainingClass.objects.get(pk=pk), **fields)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, "班次信息已保存。")
            return redirect("training:class_detail", pk=pk)
    return render(request, "training/class_form.html", {"form": form, "title": f"编辑班次：{training_class}"})


@login_required
def class_detail(request, pk: int):
    training_class = class_or_404(request, pk)
    scope = scope_for(request.user)
    if not scope.is_staff_scope:
        return redirect("training:my_classes")
    can_manage = school_manageable(request.user, training_class.school_id)
    sessions = list(selectors.class_sessions(training_class))
    enrollments = list(selectors.class_enrollments_with_credit(training_class)[:500])
    session_form = SessionForm(training_class=training_class) if can_manage else None
    return render(
        request,
        "training/class_detail.html",
        {
            "c": training_class,
            "sessions": sessions,
            "enrollments": enrollments,
            "can_manage": can_manage,
            "session_form": session_form,
        },
    )


@login_required
@require_POST
def class_publish(request, pk: int):
    training_class = class_or_404(request, pk)
    write_and_tell(
        request,
        lambda: classes.class_publish(user=request.user, training_class=training_class),
        done="班次已发布。",
        refused="不能发布：",
    )
    return redirect("training:class_detail", pk=pk)


@login_required
@require_POST
def class_cancel(request, pk: int):
    training_class = class_or_404(request, pk)
    classes.class_cancel(user=request.user, training_class=training_class)
    messages.success(request, "班次已取消。")
    return redirect("training:class_detail", pk=pk)


@login_required
def session_new(request, pk: int):
    training_class = class_or_404(request, pk)
    school_manage_check(request.user, training_class.school_id)
    return _session_form(request, training_class, ClassSession(training_class=training_class))


@login_required
def session_edit(request, pk: int):
    session = session_or_404(request, pk)
    school_manage_check(request.user, session.training_class.school_id)
    return _session_form(request, session.training_class, session)


def _session_form(request, training_class, session):
    if request.method == "GET" and not session.pk:
        kind = params.choice(request.GET.get("kind"), name="kind", choices=ClassSession.Kind.values, label="课次类型")
        initial = {"kind": kind} if kind else {}
        form = SessionForm(instance=session, training_class=training_class, initial=initial)
    else:
        form = SessionForm(request.POST or None, instance=session, training_class=training_class)
    if request.method == "POST" and form.is_valid():
        try:
            sessions.session_save(user=request.user, session=form.instance)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, f"已保存课次：{form.instance.display_title}")
            return redirect("training:class_detail", pk=training_class.pk)
    return render(
        request,
        "training/session_form.html",
        {"form": form, "c": training_class, "title": "编辑课次" if session.pk else "添加课次"},
    )


@login_required
@require_POST
def session_delete(request, pk: int):
    session = session_or_404(request, pk)
    write_and_tell(request, lambda: sessions.session_delete(user=request.user, session=session), done="课次已删除。")
    return redirect("training:class_detail", pk=session.training_class_id)


@login_required
def teacher_picker(request, pk: int):
    """JSON for the session form's teacher picker: the year's roster with kind, unit, school,
    specialties and availability at the chosen time (staff who manage the class only)."""
    training_class = class_or_404(request, pk)
    school_manage_check(request.user, training_class.school_id)
    starts_at = _local_datetime(request.GET.get("starts_at"))
    ends_at = _local_datetime(request.GET.get("ends_at"))
    kind = request.GET.get("kind", "")
    rows = selectors.teacher_picker_rows(
        training_class,
        starts_at=starts_at,
        ends_at=ends_at,
        session_kind=params.choice(kind, name="kind", choices=ClassSession.Kind.values, label="课次类型", default=""),
        exclude_session=params.object_id(request.GET.get("session"), name="session", label="课次编号"),
        query=request.GET.get("q", "")[:100],
    )
    response = JsonResponse({"teachers": rows, "checked_time": bool(starts_at and ends_at)})
    response["Cache-Control"] = "no-store"
    return response


def _local_datetime(raw: str | None) -> dt.datetime | None:
    """A datetime-local value ("2026-12-01T09:30") in the site's time zone; None if absent or bad."""
    if not raw or len(raw) > 32:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if not 2000 <= value.year <= 2100:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)
