"""Navigation for the 网上展厅 (lms.portal.panels collects it)."""

from django.urls import reverse

from lms.accounts import policy


def nav_items(request) -> list[tuple[str, str]]:
    if not policy.may_study(request.user):
        return []
    return [("网上展厅", reverse("schools:exhibition"))]
