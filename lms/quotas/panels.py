"""Home-page panels and nav entries of quotas (see lms.portal.panels)."""

from django.template.loader import render_to_string
from django.utils import timezone

from lms.accounts import policy
from lms.accounts.scope import scope_for

from . import selectors
from .models import QuotaRefresh
from .rules import evaluate_member

STATUS_CSS = {"met": "ok", "at_risk": "warn", "not_met": "bad"}


def member_panel(request) -> str:
    member_id = policy.member_id_for(request.user)
    if not member_id:
        return ""
    year = timezone.localdate().year
    results = evaluate_member(member_id, year)
    for r in results:
        r.css = STATUS_CSS[r.status]
    return render_to_string("quotas/panels/member.html", {"results": results, "year": year}, request=request)


def _staff_panel(request, title: str) -> str:
    year = timezone.localdate().year
    totals = selectors.coverage_totals(request.user, year)
    unit_warnings = selectors.warnings_for(request.user, year=year, kinds=selectors.UNIT_WARNING_KINDS)
    warnings = list(unit_warnings[:5])
    warning_count = unit_warnings.count()
    return render_to_string(
        "quotas/panels/staff.html",
        {
            "title": title,
            "year": year,
            "totals": totals,
            "warnings": warnings,
            "warning_count": warning_count,
            "refresh": QuotaRefresh.objects.filter(year=year).first(),
        },
        request=request,
    )


def school_staff_panel(request) -> str:
    scope = scope_for(request.user)
    if not (scope.can_manage_schools or scope.is_all):
        return ""
    return _staff_panel(request, "本校服务范围轮训覆盖")


def department_staff_panel(request) -> str:
    scope = scope_for(request.user)
    if not (scope.can_manage_pool or scope.is_all):
        return ""
    return _staff_panel(request, "辖区轮训覆盖")


def nav_items(request) -> list[tuple[str, str]]:
    scope = scope_for(request.user)
    items = []
    if scope.member_id:
        items.append(("我的进度", "/progress/me/"))
    if scope.is_staff_scope:
        items.append(("轮训覆盖", "/progress/coverage/"))
    return items
