"""REST API for reflections: a member writes, lists and edits their own; a reviewer lists the
reflections they review and decides (通过 / 退回); staff read counts by branch. The same
services and selectors as the site, so the same scope: another branch's ids are a 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from lms import params
from lms.accounts import policy

from .. import selectors, services
from ..models import Reflection
from . import serializers as s

YEAR = OpenApiParameter("year", int, description="年度（默认今年）")


class ReflectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """学习心得：党员提交、查看、修改自己的心得；支部书记（及范围内的组织部）审核。
    列表 `role=mine`（默认）为自己的心得，`role=review` 为可审核的心得（`status=` 过滤）。"""

    serializer_class = s.ReflectionSerializer

    def get_queryset(self):
        return selectors.visible_reflections(self.request.user).order_by("-submitted_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("role", str, enum=["mine", "review"]),
            OpenApiParameter("status", str, enum=Reflection.Status.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        role = params.choice(request.query_params.get("role"), name="role", choices=["mine", "review"], default="mine")
        st = params.choice(request.query_params.get("status"), name="status", choices=Reflection.Status.values)
        if role == "review":
            qs = selectors.review_queue(request.user, status=st or Reflection.Status.PENDING)
        else:
            member = policy.member_for(request.user)
            qs = selectors.my_reflections(member) if member else Reflection.objects.none()
            if st:
                qs = qs.filter(status=st)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ReflectionSerializer(page, many=True).data)

    @extend_schema(request=s.ReflectionWriteSerializer, responses={201: s.ReflectionSerializer})
    def create(self, request):
        from courses.models import CoursePage
        from lms.training.models import TrainingClass

        member = policy.member_for(request.user)
        if member is None:
            raise PermissionDenied("只有党员可以提交学习心得。")
        data = s.ReflectionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        training_class = course = None
        if v.get("training_class"):
            training_class = get_object_or_404(TrainingClass, pk=v["training_class"])
        if v.get("course"):
            course = get_object_or_404(CoursePage.objects.live(), pk=v["course"])
        reflection = services.reflection_submit(
            member=member, training_class=training_class, course=course, title=v["title"], body=v["body"]
        )
        return Response(s.ReflectionSerializer(reflection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReflectionEditSerializer, responses=s.ReflectionSerializer)
    def partial_update(self, request, pk=None):
        reflection = self.get_object()
        data = s.ReflectionEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reflection = services.reflection_edit(
            reflection=reflection, member=policy.member_for(request.user), **data.validated_data
        )
        return Response(s.ReflectionSerializer(reflection).data)

    @extend_schema(request=s.ReviewSerializer, responses=s.ReflectionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """通过（approve）或退回（return，须填写意见）。只有待审核的心得可以审核。"""
        reflection = get_object_or_404(selectors.reviewable_reflections(request.user), pk=pk)
        data = s.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reflection = services.reflection_review(reflection=reflection, reviewer=request.user, **data.validated_data)
        return Response(s.ReflectionSerializer(selectors.visible_reflections(request.user).get(pk=reflection.pk)).data)


class ReflectionCountsView(APIView):
    """按支部统计学习心得（提交、待审核、通过、退回），限工作人员本人负责范围。"""

    @extend_schema(
        parameters=[YEAR, OpenApiParameter("town", int, description="镇街党校 id")],
        responses=s.BranchCountSerializer(many=True),
    )
    def get(self, request):
        if not policy.is_staff(request.user):
            raise PermissionDenied("仅组织部、党校工作人员可查看。")
        year = params.year(request.query_params.get("year"))
        town_id = params.object_id(request.query_params.get("town"), name="town", label="镇街")
        rows = selectors.counts_by_branch(request.user, year, town_id=town_id)
        return Response(s.BranchCountSerializer(rows, many=True).data)
