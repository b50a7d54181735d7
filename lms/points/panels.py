"""Home-page panels of study points (see lms.portal.panels): a member's total this year; links
to the rankings for staff."""

from django.template.loader import render_to_string
from django.utils import timezone

from lms.accounts import policy

from . import selectors


def member_panel(request) -> str:
    member = policy.member_for(request.user)
    if member is None:
        return ""
    year = timezone.localdate().year
    return render_to_string(
        "points/panels/member.html",
        {
            "year": year,
            "total": selectors.member_points_total(member, year),
            "rank": selectors.member_rank_in_branch(member, year),
        },
        request=request,
    )


def _staff_panel(request) -> str:
    return render_to_string("points/panels/staff.html", {}, request=request)


school_staff_panel = department_staff_panel = _staff_panel
