"""Home-page panels and navigation of the teacher pool (see lms.portal.panels)."""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lms.accounts import policy
from lms.accounts.scope import scope_for

from . import selectors
from .models import Teacher

PANEL_CACHE_SECONDS = 300


def nav_items(request) -> list[tuple[str, str]]:
    scope = scope_for(request.user)
    items = []
    if scope.is_staff_scope or scope.member_id:
        items.append(("师资库", reverse("teachers:list")))
    if scope.member_id:
        items.append(("授课评价", reverse("teachers:my-evaluations")))
    if scope.teacher_id:
        items.append(("我的授课", reverse("teachers:my-schedule")))
    if scope.can_manage_pool:
        items.append(("讲师考核", reverse("teachers:assessment")))
    return items


def member_panel(request) -> str:
    member = policy.member_for(request.user)
    if member is None:
        return ""
    pending = list(selectors.evaluations_pending_for(member)[:5])
    if not pending:
        return ""
    return render_to_string("teachers/panels/member.html", {"pending": pending}, request=request)


def teacher_panel(request) -> str:
    teacher_id = policy.teacher_id_for(request.user)
    if not teacher_id:
        return ""
    teacher = Teacher.objects.get(pk=teacher_id)
    now = timezone.now()
    upcoming = list(selectors.teacher_sessions(teacher, start=now)[:5])
    latest = next((f for f in selectors.teacher_feedback(teacher, now=now) if f.shown), None)
    return render_to_string(
        "teachers/panels/teacher.html", {"teacher": teacher, "upcoming": upcoming, "latest": latest}, request=request
    )


def department_staff_panel(request) -> str:
    if not policy.may_manage_pool(request.user):
        return ""
    year = timezone.localdate().year

    def counts() -> dict:
        result = selectors.teacher_assessment(year)
        return {"flagged": len(result.flagged), "on_roster": sum(1 for r in result.rows if r.on_roster)}

    # The pool is county-wide and the figures move slowly: computed at most every few minutes.
    figures = cache.get_or_set(f"teachers:department-panel:{year}", counts, PANEL_CACHE_SECONDS)
    return render_to_string("teachers/panels/department.html", {"year": year, **figures}, request=request)
