"""Home-page panel and nav entry for staff (see lms.portal.panels)."""

from django.template.loader import render_to_string
from django.urls import reverse

from lms.accounts.scope import scope_for

from .selectors import import_jobs_visible_to
from .views import roster_staff


def _panel(request) -> str:
    if not roster_staff(request.user):
        return ""
    jobs = list(import_jobs_visible_to(request.user)[:3])
    return render_to_string("roster/panel.html", {"jobs": jobs}, request=request)


def school_staff_panel(request) -> str:
    return _panel(request)


def department_staff_panel(request) -> str:
    # A user who is both school and department staff gets the panel once, in the school section.
    scope = scope_for(request.user)
    if scope.can_manage_schools or scope.is_all:
        return ""
    return _panel(request)


def nav_items(request) -> list[tuple[str, str]]:
    return [("花名册", reverse("roster:workspace"))] if roster_staff(request.user) else []
