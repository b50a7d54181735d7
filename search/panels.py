"""Home-page search boxes and the nav link (see lms/portal/panels.py)."""

from django.template.loader import render_to_string
from django.urls import reverse


def nav_items(request) -> list[tuple[str, str]]:
    return [("搜索", reverse("search:search"))]


def member_panel(request) -> str:
    return render_to_string(
        "search/panel.html", {"placeholder": "搜索课程、微党课，如：党章、乡村振兴"}, request=request
    )


def school_staff_panel(request) -> str:
    return render_to_string("search/panel.html", {"placeholder": "搜索课程、微党课、讲师"}, request=request)


def department_staff_panel(request) -> str:
    return school_staff_panel(request)
