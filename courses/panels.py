"""Home-page panel and navigation for members: continue learning and this year's 学时."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lms.accounts import policy

from .selectors import catalog_url, lessons_suggested_for, member_study_hours, my_progress


def nav_items(request) -> list[tuple[str, str]]:
    items = [("课程", catalog_url(request))]
    if policy.member_id_for(request.user):
        items.append(("我的学习", reverse("courses:me")))
    return items


def member_panel(request) -> str:
    member = policy.member_for(request.user)
    if member is None:
        return ""
    year = timezone.localdate().year
    current = my_progress(member).filter(completed_at__isnull=True).first()
    suggested = list(lessons_suggested_for(member, limit=3)) if current is None else []
    return render_to_string(
        "courses/member_panel.html",
        {
            "current": current,
            "suggested": suggested,
            "hours": member_study_hours(member, year),
            "catalog_url": catalog_url(request),
            "year": year,
        },
        request=request,
    )
