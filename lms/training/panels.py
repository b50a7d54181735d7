"""Home-page panels and nav entries of the training app (see lms.portal.panels)."""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from lms.accounts import policy
from lms.accounts.scope import scope_for
from lms.quotas.selectors import template_summary  # the one 5+1+N selection (dashboard, Excel)

from . import selectors
from .models import AnnualPlan


def member_panel(request) -> str:
    member_id = policy.member_id_for(request.user)
    if not member_id:
        return ""
    now = timezone.now()
    sessions = list(
        selectors.sessions_for_member(member_id, now - dt.timedelta(hours=1), now + dt.timedelta(days=30))[:5]
    )
    # The panel lists the classes only when no session of theirs falls in the coming month.
    upcoming = [] if sessions else list(selectors.upcoming_classes_for_member(member_id, limit=5))
    return render_to_string("training/panel_member.html", {"upcoming": upcoming, "sessions": sessions}, request=request)


def school_staff_panel(request) -> str:
    scope = scope_for(request.user)
    if not (scope.can_manage_schools or scope.is_all):
        return ""
    today = timezone.localdate()
    classes = selectors.classes_visible_to(request.user)
    upcoming = list(classes.filter(end_date__gte=today).exclude(status="cancelled").order_by("start_date")[:6])
    plans = list(selectors.plans_visible_to(request.user).filter(year=today.year).order_by("school__name")[:12])
    return render_to_string(
        "training/panel_school.html", {"upcoming": upcoming, "plans": plans, "year": today.year}, request=request
    )


def department_staff_panel(request) -> str:
    scope = scope_for(request.user)
    if not (scope.can_manage_pool or scope.is_all):
        return ""
    year = timezone.localdate().year
    awaiting = list(selectors.plans_awaiting_review(request.user).order_by("submitted_at")[:10])

    template = template_summary(request.user, year)
    return render_to_string(
        "training/panel_department.html",
        {"awaiting": awaiting, "template": template, "year": year, "submitted": AnnualPlan.Status.SUBMITTED},
        request=request,
    )


def teacher_panel(request) -> str:
    scope = scope_for(request.user)
    if not scope.teacher_id:
        return ""
    now = timezone.now()
    sessions = list(selectors.sessions_for_teacher(scope.teacher_id, now, now + dt.timedelta(days=60))[:5])
    return render_to_string("training/panel_teacher.html", {"sessions": sessions}, request=request)


def nav_items(request) -> list[tuple[str, str]]:
    scope = scope_for(request.user)
    items = []
    if scope.is_staff_scope:
        items += [("班次", "/training/"), ("教学计划", "/training/plans/")]
    elif scope.member_id:
        items.append(("我的班次", "/training/my/"))
    return items
