"""API of the teacher pool. Department staff manage the pool and read the assessment; school
staff read the pool and rosters; members read public profiles and submit their own
evaluations; a teacher reads their own schedule and feedback."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.modules import Module
from lms import params
from lms.accounts import policy
from lms.training.models import ClassSession

from .. import access, selectors, services
from ..models import RosterEntry, RosterYear, Teacher
from ..rules import evaluation_closes_at
from . import serializers as s


def _require_pool_manager(request):
    if not access.manages_pool(request.user):
        raise PermissionDenied(services.POOL_DENIED)


def _require_staff(request):
    if not policy.is_staff(request.user):
        raise PermissionDenied("师资名录仅对党校和组织部工作人员开放。")


def _private_teacher(request, pk) -> Teacher:
    teacher = Teacher.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if teacher is None or not access.sees_teacher_private(request.user, teacher):
        raise NotFound("讲师不存在。")
    return teacher


@extend_schema(
    parameters=[
        OpenApiParameter("kind", str, enum=Teacher.Kind.values),
        OpenApiParameter("module", str, enum=Module.values),
        OpenApiParameter("topic", str),
    ]
)
class TeacherViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The pool. Contact details only for staff and the teacher themself; writes only for
    department staff (through teachers.services)."""

    queryset = Teacher.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        p = self.request.query_params
        kind = params.choice(p.get("kind"), name="kind", choices=Teacher.Kind.values, label="讲师类别")
        module = params.choice(p.get("module"), name="module", choices=Module.values, label="模块")
        visible = access.teachers_visible_to(self.request.user)
        return selectors.teacher_list(kind=kind, module=module, topic=p.get("topic") or None).filter(
            pk__in=visible.values("pk")
        )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return s.TeacherWriteSerializer
        if access.sees_contact(self.request.user):
            return s.TeacherStaffSerializer
        return s.TeacherPublicSerializer

    def get_serializer(self, *args, **kwargs):
        if self.action == "retrieve" and args and access.is_self(self.request.user, args[0]):
            return s.TeacherStaffSerializer(*args, **kwargs, context=self.get_serializer_context())
        return super().get_serializer(*args, **kwargs)

    @extend_schema(request=s.TeacherWriteSerializer, responses={201: s.TeacherStaffSerializer})
    def create(self, request, *args, **kwargs):
        _require_pool_manager(request)
        data = s.TeacherWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        specialties = [(x["module"], x["topic"]) for x in fields.pop("specialties", [])]
        teacher = services.teacher_create(actor=request.user, specialties=specialties, **fields)
        return Response(s.TeacherStaffSerializer(teacher).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TeacherWriteSerializer, responses=s.TeacherStaffSerializer)
    def update(self, request, *args, **kwargs):
        _require_pool_manager(request)
        teacher = self.get_object()
        data = s.TeacherWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        specialties = fields.pop("specialties", None)
        if specialties is not None:
            specialties = [(x["module"], x["topic"]) for x in specialties]
        teacher = services.teacher_update(actor=request.user, teacher=teacher, specialties=specialties, **fields)
        return Response(s.TeacherStaffSerializer(Teacher.objects.get(pk=teacher.pk)).data)

    @extend_schema(responses=s.RosterEntrySerializer(many=True))
    @action(detail=True, methods=["get"], url_path="roster-history", pagination_class=None)
    def roster_history(self, request, pk=None):
        """Roster entries of this teacher across years (teacher themself or department)."""
        teacher = _private_teacher(request, pk)
        return Response(s.RosterEntrySerializer(selectors.roster_history(teacher), many=True).data)

    @extend_schema(responses=s.SessionFeedbackSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def feedback(self, request, pk=None):
        """Anonymous per-session aggregates (teacher themself or department)."""
        teacher = _private_teacher(request, pk)
        return Response(s.SessionFeedbackSerializer(selectors.teacher_feedback(teacher), many=True).data)

    @extend_schema(responses=s.SessionBriefSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def sessions(self, request, pk=None):
        """The teacher's engagements from 90 days ago on (teacher themself or department)."""
        teacher = _private_teacher(request, pk)
        since = timezone.now() - timezone.timedelta(days=90)
        return Response(s.SessionBriefSerializer(selectors.teacher_sessions(teacher, start=since), many=True).data)


class RosterYearViewSet(viewsets.ReadOnlyModelViewSet):
    """Yearly rosters: staff read; department staff open a year and add/remove teachers."""

    serializer_class = s.RosterYearSerializer
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"
    queryset = RosterYear.objects.none()

    def get_queryset(self):
        _require_staff(self.request)
        return (
            RosterYear.objects.select_related("copied_from")
            .annotate(active_count=Count("entries", filter=Q(entries__removed_at__isnull=True)))
            .order_by("-year")
        )

    @extend_schema(
        responses=s.RosterEntrySerializer(many=True),
        parameters=[OpenApiParameter("include_removed", OpenApiTypes.BOOL)],
    )
    @action(detail=True, methods=["get"])
    def entries(self, request, year=None):
        roster = self.get_object()
        include = params.flag(request.query_params.get("include_removed"), name="include_removed")
        entries = selectors.roster_entries(year=roster.year, include_removed=include)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(s.RosterEntrySerializer(page, many=True).data)

    @extend_schema(request=s.RosterOpenSerializer, responses={201: s.RosterYearSerializer})
    @action(detail=False, methods=["post"], url_path=r"(?P<year>\d{4})/open")
    def open(self, request, year=None):
        """Open the year's roster, copying last year's active entries (idempotent)."""
        _require_pool_manager(request)
        body = s.RosterOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        roster = services.roster_year_open(year=int(year), actor=request.user, note=body.data.get("note", ""))
        roster = self.get_queryset().get(pk=roster.pk)
        return Response(s.RosterYearSerializer(roster).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RosterAddSerializer, responses={201: s.RosterEntrySerializer})
    @action(detail=True, methods=["post"], url_path="add")
    def add(self, request, year=None):
        _require_pool_manager(request)
        body = s.RosterAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.roster_entry_add(
            year=int(year),
            teacher=body.validated_data["teacher"],
            actor=request.user,
            reason=body.validated_data["reason"],
        )
        return Response(s.RosterEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class RosterEntryRemoveView(APIView):
    @extend_schema(request=s.RosterRemoveSerializer, responses=s.RosterEntrySerializer)
    def post(self, request, pk: int):
        """Take a teacher off a year's roster, with the reason (department staff)."""
        _require_pool_manager(request)
        entry = get_object_or_404(RosterEntry, pk=pk)
        body = s.RosterRemoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.roster_entry_remove(entry=entry, actor=request.user, reason=body.validated_data["reason"])
        return Response(s.RosterEntrySerializer(entry).data)


class DimensionListView(APIView):
    @extend_schema(responses=s.DimensionSerializer(many=True))
    def get(self, request):
        """The questionnaire's active dimensions (scores 1–5)."""
        return Response(s.DimensionSerializer(selectors.dimensions_active(), many=True).data)


class EvaluationViewSet(viewsets.GenericViewSet):
    """The caller's own evaluations. POST creates or, on resubmission, edits (one per session)."""

    serializer_class = s.EvaluationOutSerializer

    def _member(self):
        if not policy.member_id_for(self.request.user):
            raise PermissionDenied("只有党员学员可以评价授课。")
        return self.request.user.member

    @extend_schema(responses=s.EvaluationOutSerializer(many=True))
    def list(self, request):
        qs = selectors.evaluations_of_member(self._member()).prefetch_related("scores__dimension")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.EvaluationOutSerializer(page, many=True).data)

    @extend_schema(
        request=s.EvaluationInSerializer, responses={200: s.EvaluationOutSerializer, 201: s.EvaluationOutSerializer}
    )
    def create(self, request):
        member = self._member()
        body = s.EvaluationInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = ClassSession.objects.filter(pk=body.validated_data["session"]).first()
        if session is None:
            raise ValidationError({"session": ["课次不存在。"]})
        existed = selectors.evaluation_of(member, session) is not None
        evaluation = services.evaluation_submit(
            member=member,
            session=session,
            scores=body.validated_data["scores"],
            comment=body.validated_data["comment"],
        )
        evaluation = selectors.evaluations_of_member(member).prefetch_related("scores__dimension").get(pk=evaluation.pk)
        return Response(
            s.EvaluationOutSerializer(evaluation).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(responses=s.PendingSessionSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def pending(self, request):
        """Sessions the caller attended and may still evaluate."""
        sessions = list(selectors.evaluations_pending_for(self._member()))
        for x in sessions:
            x.closes_at = evaluation_closes_at(x)
        return Response(s.PendingSessionSerializer(sessions, many=True).data)


class AssessmentView(APIView):
    @extend_schema(
        responses=s.AssessmentSerializer,
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("kind", str, enum=Teacher.Kind.values),
            OpenApiParameter("module", str, enum=Module.values),
            OpenApiParameter("topic", str),
        ],
    )
    def get(self, request):
        """The annual assessment of the pool (department staff)."""
        _require_pool_manager(request)
        p = request.query_params
        year = params.year(p.get("year"))
        kind = p.get("kind") or None
        module = p.get("module") or None
        if kind and kind not in Teacher.Kind.values:
            raise ValidationError({"kind": ["讲师类别无效。"]})
        if module and module not in Module.values:
            raise ValidationError({"module": ["课程模块无效。"]})
        result = selectors.teacher_assessment(year, kind=kind, module=module, topic=(p.get("topic") or None))
        return Response(s.AssessmentSerializer(result).data)
