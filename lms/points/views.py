"""Site pages for points: a member's history (phone-first), rankings within the viewer's scope,
and the year's rules. Views parse input, check scope and call selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from lms import params
from lms.accounts import policy

from . import selectors
from .models import PointKind
from .rules import year_point_rules

LEVELS = {"member": "按党员", "branch": "按支部", "town": "按镇街"}
KIND_LABELS = dict(PointKind.choices)


@login_required
def my_points(request):
    member = policy.member_for(request.user)
    if member is None:
        raise PermissionDenied("只有党员有学习积分。")
    year = params.year(request.GET.get("year"))
    page = Paginator(selectors.member_points_history(member, year), 50).get_page(request.GET.get("page"))
    by_kind = [
        dict(r, label=KIND_LABELS.get(r["kind"], r["kind"])) for r in selectors.member_points_by_kind(member, year)
    ]
    return render(
        request,
        "points/me.html",
        {
            "member": member,
            "year": year,
            "total": selectors.member_points_total(member, year),
            "by_kind": by_kind,
            "page": page,
            "rank": selectors.member_rank_in_branch(member, year),
        },
    )


@login_required
def ranking(request):
    user = request.user
    members = selectors.ranking_members_for(user)
    if not policy.is_staff(user) and policy.member_id_for(user) is None:
        raise PermissionDenied("您没有查看积分排行的权限。")
    year = params.year(request.GET.get("year"))
    level = params.choice(request.GET.get("level"), name="level", choices=LEVELS, default="member")
    town_id = params.object_id(request.GET.get("town"), name="town", label="镇街")
    branch_id = params.object_id(request.GET.get("branch"), name="branch", label="支部")
    if town_id:
        members = members.filter(branch__town_id=town_id)
    if branch_id:
        members = members.filter(branch_id=branch_id)
    if (town_id or branch_id) and not members.exists():
        raise Http404("该单位不存在或不在您的范围内。")
    if level == "member":
        rows = Paginator(selectors.members_ranking(members, year), 50).get_page(request.GET.get("page"))
    else:
        rows = Paginator(selectors.units_ranking(members, year, level), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "points/ranking.html",
        {
            "year": year,
            "level": level,
            "levels": LEVELS,
            "rows": rows,
            "town_id": town_id,
            "branch_id": branch_id,
            "is_staff": policy.is_staff(user),
        },
    )


@login_required
def rules(request):
    year = params.year(request.GET.get("year"))
    return render(request, "points/rules.html", {"year": year, "rules": list(year_point_rules(year).values())})
