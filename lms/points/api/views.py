"""REST API for study points: my points (total, by kind, history pages), rankings within the
viewer's scope, and the year's rules. Same selectors and scope as the site pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from lms import params
from lms.accounts import policy

from .. import selectors
from ..rules import year_point_rules
from . import serializers as s

YEAR = OpenApiParameter("year", int, description="年度（默认今年）")
PAGE = OpenApiParameter("page", int, description="页码（每页50）")


class MyPointsView(APIView):
    """我的学习积分：年度合计、按项目汇总、支部排名和积分明细（分页）。"""

    @extend_schema(parameters=[YEAR, PAGE], responses=s.MyPointsSerializer)
    def get(self, request):
        member = policy.member_for(request.user)
        if member is None:
            raise PermissionDenied("只有党员有学习积分。")
        year = params.year(request.query_params.get("year"))
        page = Paginator(selectors.member_points_history(member, year), 50).get_page(request.query_params.get("page"))
        data = {
            "member_id": member.pk,
            "year": year,
            "total": selectors.member_points_total(member, year),
            "rank_in_branch": selectors.member_rank_in_branch(member, year),
            "by_kind": selectors.member_points_by_kind(member, year),
            "entries": list(page.object_list),
            "entries_count": page.paginator.count,
        }
        return Response(s.MyPointsSerializer(data).data)


class RankingView(APIView):
    """积分排行（限本人范围）：level=member 党员排名（town=/branch= 筛选），level=branch 支部排名，
    level=town 镇街排名。党员只能看到本支部的党员排名。"""

    @extend_schema(
        parameters=[
            YEAR,
            OpenApiParameter("level", str, enum=["member", "branch", "town"]),
            OpenApiParameter("town", int, description="镇街党校 id"),
            OpenApiParameter("branch", int, description="支部 id"),
            PAGE,
        ],
        responses=s.RankingSerializer,
    )
    def get(self, request):
        user = request.user
        if not policy.is_staff(user) and policy.member_id_for(user) is None:
            raise PermissionDenied("您没有查看积分排行的权限。")
        year = params.year(request.query_params.get("year"))
        level = params.choice(
            request.query_params.get("level"), name="level", choices=["member", "branch", "town"], default="member"
        )
        town_id = params.object_id(request.query_params.get("town"), name="town", label="镇街")
        branch_id = params.object_id(request.query_params.get("branch"), name="branch", label="支部")
        members = selectors.ranking_members_for(user)
        if town_id:
            members = members.filter(branch__town_id=town_id)
        if branch_id:
            members = members.filter(branch_id=branch_id)
        if (town_id or branch_id) and not members.exists():
            raise NotFound("该单位不存在或不在您的范围内。")
        rows = selectors.members_ranking(members, year) if level == "member" else None
        if rows is None:
            rows = selectors.units_ranking(members, year, level)
        page = Paginator(rows, 50).get_page(request.query_params.get("page"))
        data = {
            "year": year,
            "level": level,
            "count": page.paginator.count,
            "members": list(page.object_list) if level == "member" else [],
            "units": list(page.object_list) if level != "member" else [],
        }
        return Response(s.RankingSerializer(data).data)


class PointRulesView(APIView):
    """年度积分规则。"""

    @extend_schema(parameters=[YEAR], responses=s.PointRuleSerializer(many=True))
    def get(self, request):
        year = params.year(request.query_params.get("year"))
        return Response(s.PointRuleSerializer(list(year_point_rules(year).values()), many=True).data)
