"""REST API: my progress, a member's progress (staff), coverage by level, warnings and the
year's rules (department staff edit). Everything is scoped through lms.accounts.scope."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from lms import params
from lms.accounts import policy
from lms.accounts.scope import scope_for, scoped
from lms.members.models import Member, MemberCategory
from lms.organizations.models import PartyOrganization
from lms.quizzes.models import Quiz
from lms.schools.models import PartySchool

from .. import selectors, services
from ..models import QuotaRule, Warning
from . import serializers as s

YEAR = OpenApiParameter("year", int, description="年度（默认今年）")


def _year(request) -> int:
    return params.year(request.query_params.get("year"))


def _progress_payload(member, year: int) -> dict:
    d = selectors.member_progress_detail(member, year)
    return {
        "member_id": member.pk,
        "member_name": member.name,
        "year": year,
        "all_met": d["all_met"],
        "inperson_hours": d["inperson_hours"],
        "online_hours": d["online_hours"],
        "results": d["results"],
        "upcoming_classes": [
            {"id": c.pk, "title": c.title, "school": c.school.name, "start_date": c.start_date.isoformat()}
            for c in d["upcoming"]
        ],
    }


class MyProgressView(APIView):
    """我的进度：本人各项指标的完成情况（仅党员账号）。"""

    @extend_schema(parameters=[YEAR], responses=s.QuotaProgressSerializer)
    def get(self, request):
        member_id = policy.member_id_for(request.user)
        if not member_id:
            raise PermissionDenied("只有党员账号可以查看个人进度。")
        member = Member.objects.select_related("branch").get(pk=member_id)
        return Response(s.QuotaProgressSerializer(_progress_payload(member, _year(request))).data)


class MemberProgressView(APIView):
    """某党员的进度（党校/组织部工作人员，限本人负责范围）。"""

    @extend_schema(parameters=[YEAR], responses=s.QuotaProgressSerializer)
    def get(self, request, member_id: int):
        if not policy.is_staff(request.user):
            raise PermissionDenied("您没有查看党员进度的权限。")
        member = get_object_or_404(scoped(Member.objects.select_related("branch"), request.user), pk=member_id)
        return Response(s.QuotaProgressSerializer(_progress_payload(member, _year(request))).data)


class CoverageView(APIView):
    """轮训覆盖：level=county 按镇街汇总；level=town&parent=<镇街党校id> 按支部汇总；
    level=branch&parent=<支部id> 返回党员明细。单位行和党员明细都分页（page=，每页50）。"""

    @extend_schema(
        parameters=[
            YEAR,
            OpenApiParameter("level", str, enum=["county", "town", "branch"]),
            OpenApiParameter("parent", int, description="上级单位 id（town/branch 层级必填）"),
            OpenApiParameter("category", str, enum=[c for c in MemberCategory.values if c != "ordinary"]),
            OpenApiParameter("sort", str, enum=list(selectors.UNIT_SORTS), description="单位排序（county/town 层级）"),
            OpenApiParameter(
                "page", int, description="页码：county/town 层级分页单位行，branch 层级分页党员（每页50）"
            ),
        ],
        responses=s.CoverageSerializer,
    )
    def get(self, request):
        user = request.user
        if not policy.is_staff(user):
            raise PermissionDenied("轮训覆盖仅对党校和组织部工作人员开放。")
        year = _year(request)
        level = request.query_params.get("level") or "county"
        if level not in selectors.LEVELS:
            raise ValidationError({"level": "层级只能是 county、town 或 branch。"})
        category = request.query_params.get("category") or None
        if category is not None and category not in MemberCategory.values:
            raise ValidationError({"category": "未知的党员类别。"})
        parent_id = None
        if level != "county":
            parent_id = params.object_id(request.query_params.get("parent"), name="parent", label="上级单位 id")
            if parent_id is None:
                raise ValidationError({"parent": "请提供上级单位 id。"})
        town_id = branch_id = None
        if level == "town":
            if not scoped(PartySchool.objects.filter(tier="town", pk=parent_id), user).exists():
                raise NotFound("镇街不存在或不在您的范围内。")
            town_id = parent_id
        elif level == "branch":
            if not scoped(PartyOrganization.objects.filter(kind="branch", pk=parent_id), user).exists():
                raise NotFound("支部不存在或不在您的范围内。")
            branch_id = parent_id
        totals = selectors.coverage_totals(user, year, category, town_id=town_id, branch_id=branch_id)
        totals.update(unit_id=None, unit_name=None)
        rows, rows_count, members, members_count = [], 0, [], 0
        if level == "branch":
            paginator = Paginator(selectors.coverage_members(user, year, branch_id, category), 50)
            page = paginator.get_page(request.query_params.get("page"))
            members, members_count = list(page.object_list), paginator.count
        else:
            sort = request.query_params.get("sort") or "name"
            if sort not in selectors.UNIT_SORTS:
                raise ValidationError({"sort": "排序只能是 name（按名称）或 lagging（达标率从低到高）。"})
            paginator = Paginator(selectors.coverage_units(user, year, level, town_id, category, sort), 50)
            page = paginator.get_page(request.query_params.get("page"))
            rows, rows_count = selectors.with_shares(page.object_list), paginator.count
        data = {
            "year": year,
            "level": level,
            "parent_id": parent_id,
            "category": category,
            "totals": totals,
            "rows": rows,
            "rows_count": rows_count,
            "members": members,
            "members_count": members_count,
        }
        return Response(s.CoverageSerializer(data).data)


class WarningListView(ListAPIView):
    """预警列表（按负责范围，分页）。kind 过滤类型；resolved=1 包括已解除的。"""

    serializer_class = s.WarningSerializer

    @extend_schema(
        parameters=[
            YEAR,
            OpenApiParameter("kind", str, enum=Warning.Kind.values),
            OpenApiParameter("resolved", bool),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        request = self.request
        qs = selectors.warnings_for(
            request.user, year=_year(request), active_only=request.query_params.get("resolved") not in ("1", "true")
        )
        kind = request.query_params.get("kind")
        if kind:
            if kind not in Warning.Kind.values:
                raise ValidationError({"kind": "未知的预警类型。"})
            qs = qs.filter(kind=kind)
        return qs


class QuotaRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """年度指标规则：工作人员可查看；组织部工作人员可修改要求数量、党校层级和轮训周期，
    并可为已开启的年度新增“通过测验”（quiz，可指定测验）或“学习心得”（reflection）指标。"""

    serializer_class = s.QuotaRuleSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=s.QuotaRuleAddSerializer, responses={201: s.QuotaRuleSerializer})
    def create(self, request):
        scope = scope_for(request.user)
        if not (scope.can_manage_pool or scope.is_all):
            raise PermissionDenied("只有组织部工作人员可以新增指标。")
        data = s.QuotaRuleAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        quiz_id = v.pop("quiz", None)
        quiz = None
        if quiz_id:
            quiz = get_object_or_404(Quiz, pk=quiz_id)
        rule = services.quota_rule_add(actor=request.user, quiz=quiz, **v)
        return Response(s.QuotaRuleSerializer(rule).data, status=201)

    def get_queryset(self):
        qs = scoped(QuotaRule.objects.all(), self.request.user).order_by("-year", "kind", "category")
        year = params.year(self.request.query_params.get("year"), default=None)
        if year:
            qs = qs.filter(year=year)
        return qs

    def perform_update(self, serializer):
        scope = scope_for(self.request.user)
        if not (scope.can_manage_pool or scope.is_all):
            raise PermissionDenied("只有组织部工作人员可以修改指标。")
        d = serializer.validated_data
        serializer.instance = services.quota_rule_update(
            rule=serializer.instance,
            actor=self.request.user,
            required=d.get("required"),
            min_school_tier=d.get("min_school_tier"),
            window_years=d.get("window_years"),
        )
