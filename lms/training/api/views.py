"""REST API for plans, classes, sessions, enrolment, attendance and sign-in. Views validate
input, call one service or selector, and return serializers; rules live in services."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from lms import params
from lms.accounts.scope import scoped
from lms.members.api.serializers import MemberSerializer

from .. import selectors, services
from ..models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass
from . import serializers as s


def inline_count():
    from drf_spectacular.utils import inline_serializer

    return inline_serializer("RollCallResult", {"changed": serializers.IntegerField()})


def _int_param(request, name):
    """A year or an object id from the query string (lms.params: 400 when malformed)."""
    if name == "year":
        return params.year(request.query_params.get(name), default=None)
    return params.object_id(request.query_params.get(name), name=name)


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """年度教学计划: school staff create and submit; the organization department reviews."""

    serializer_class = s.AnnualPlanSerializer

    def get_queryset(self):
        qs = selectors.plans_visible_to(self.request.user).prefetch_related("planned_classes").order_by("-year", "id")
        year = _int_param(self.request, "year")
        return qs.filter(year=year) if year else qs

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.plan_create(
            user=self.request.user,
            school=d["school"],
            year=d["year"],
            title=d.get("title", ""),
            notes=d.get("notes", ""),
        )

    @extend_schema(request=None, responses=s.AnnualPlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = services.plan_submit(user=request.user, plan=self.get_object())
        return Response(s.AnnualPlanSerializer(plan).data)

    @extend_schema(request=s.PlanReviewSerializer, responses=s.AnnualPlanSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        body = s.PlanReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.plan_review(user=request.user, plan=self.get_object(), **body.validated_data)
        return Response(s.AnnualPlanSerializer(plan).data)

    @extend_schema(responses=s.PlanVsActualRowSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="vs-actual", pagination_class=None)
    def vs_actual(self, request, pk=None):
        report = selectors.plan_vs_actual(self.get_object())
        return Response(s.PlanVsActualRowSerializer(report["rows"], many=True).data)


class PlannedClassViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.PlannedClassSerializer

    def get_queryset(self):
        qs = scoped(PlannedClass.objects.select_related("plan"), self.request.user).order_by("plan", "quarter", "id")
        plan = _int_param(self.request, "plan")
        return qs.filter(plan_id=plan) if plan else qs

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        plan = d.pop("plan")
        if not scoped(AnnualPlan.objects.filter(pk=plan.pk), self.request.user).exists():
            raise PermissionDenied(services.NOT_YOUR_SCHOOL)
        serializer.instance = services.planned_class_add(user=self.request.user, plan=plan, **d)

    def perform_destroy(self, instance):
        services.planned_class_delete(user=self.request.user, planned_class=instance)


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, description="draft / published / cancelled"),
        OpenApiParameter("year", int),
        OpenApiParameter("compliant", bool),
    ]
)
class ClassViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """班次. Creating with ``from_template`` (default true) pre-fills the five mandatory items;
    ``publish`` is refused with the list of what 5+1+N still misses."""

    def get_serializer_class(self):
        return s.TrainingClassDetailSerializer if self.action == "retrieve" else s.TrainingClassSerializer

    def get_queryset(self):
        qs = selectors.classes_visible_to(self.request.user).order_by("-start_date", "id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("sessions__teaching_point", "sessions__teacher", "sessions__venue")
        params = self.request.query_params
        if params.get("status") in TrainingClass.Status.values:
            qs = qs.filter(status=params["status"])
        year = _int_param(self.request, "year")
        if year:
            qs = qs.filter(start_date__year=year)
        if params.get("compliant") in ("true", "false"):
            qs = qs.filter(is_compliant=params["compliant"] == "true")
        return qs

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        serializer.instance = services.class_create(user=self.request.user, **d)

    def perform_update(self, serializer):
        d = {k: v for k, v in serializer.validated_data.items() if k in services.CLASS_FIELDS}
        serializer.instance = services.class_update(
            user=self.request.user,
            training_class=TrainingClass.objects.get(pk=serializer.instance.pk),
            **d,
        )

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    @extend_schema(request=None, responses=s.TrainingClassSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        training_class = self.get_object()
        try:
            services.class_publish(user=request.user, training_class=training_class)
        except DjangoValidationError as exc:
            raise ValidationError({"missing": exc.messages}) from exc
        return Response(s.TrainingClassSerializer(self._fresh(training_class.pk)).data)

    @extend_schema(request=None, responses=s.TrainingClassSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        training_class = services.class_cancel(user=request.user, training_class=self.get_object())
        return Response(s.TrainingClassSerializer(self._fresh(training_class.pk)).data)

    @extend_schema(request=s.EnrolSerializer, responses=s.EnrollmentSerializer(many=True))
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        body = s.EnrolSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = services.enrollment_add(
            user=request.user,
            training_class=self.get_object(),
            member_ids=body.validated_data["members"],
        )
        qs = Enrollment.objects.filter(pk__in=[r.pk for r in rows]).select_related("member", "training_class")
        return Response(s.EnrollmentSerializer(qs, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MemberSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggested(self, request, pk=None):
        training_class = self.get_object()
        services.school_manage_check(request.user, training_class.school_id)
        members = selectors.suggested_trainees(request.user, training_class, limit=100).select_related("branch__town")
        return Response(MemberSerializer(members, many=True).data)


class SessionViewSet(viewsets.ModelViewSet):
    """课次. Saving checks place (own town's teaching points), roster teacher and double
    bookings, and refreshes the class's stored 5+1+N result."""

    serializer_class = s.SessionSerializer

    def get_queryset(self):
        qs = scoped(
            ClassSession.objects.select_related("teaching_point", "teacher", "venue", "training_class"),
            self.request.user,
        )
        cls = _int_param(self.request, "training_class")
        return qs.filter(training_class_id=cls).order_by("starts_at") if cls else qs.order_by("-starts_at")

    def _save(self, serializer, instance=None):
        d = serializer.validated_data
        if instance is not None and "training_class" in d and d["training_class"].pk != instance.training_class_id:
            raise ValidationError({"training_class": "课次不能移到其他班次，请在目标班次中新建。"})
        session = instance or ClassSession()
        for k, v in d.items():
            setattr(session, k, v)
        if not scoped(TrainingClass.objects.filter(pk=session.training_class_id), self.request.user).exists():
            raise PermissionDenied(services.NOT_YOUR_SCHOOL)
        serializer.instance = services.session_save(user=self.request.user, session=session)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        services.session_delete(user=self.request.user, session=instance)


class EnrollmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """报名 (members see their own; enrol through POST /classes/{id}/enrol/)."""

    serializer_class = s.EnrollmentSerializer

    def get_queryset(self):
        qs = scoped(Enrollment.objects.select_related("member", "training_class"), self.request.user).order_by("id")
        cls = _int_param(self.request, "training_class")
        return qs.filter(training_class_id=cls) if cls else qs

    def perform_destroy(self, instance):
        services.enrollment_remove(user=self.request.user, enrollment=instance)


class AttendanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """出勤 (members see their own). Staff correct it with ``roll-call``."""

    serializer_class = s.AttendanceSerializer

    def get_queryset(self):
        qs = scoped(Attendance.objects.select_related("member"), self.request.user).order_by("id")
        session = _int_param(self.request, "session")
        return qs.filter(session_id=session) if session else qs

    @extend_schema(request=s.RollCallSerializer, responses=inline_count())
    @action(detail=False, methods=["post"], url_path="roll-call")
    def roll_call(self, request):
        body = s.RollCallSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = get_object_or_404(
            scoped(ClassSession.objects.select_related("training_class"), request.user),
            pk=body.validated_data["session"],
        )
        present = {
            params.object_id(key, name="present", label="党员ID"): value
            for key, value in body.validated_data["present"].items()
        }
        changed = services.attendance_roll_call(user=request.user, session=session, present=present)
        return Response({"changed": changed})


class CreditedDayViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CreditedDaySerializer

    def get_queryset(self):
        qs = scoped(CreditedDay.objects.select_related("training_class"), self.request.user).order_by("-day", "id")
        year = _int_param(self.request, "year")
        return qs.filter(day__year=year) if year else qs


class SignInView(APIView):
    """Member sign-in with the QR token or the six-digit code (throttle scope ``signin``).
    Repeats are idempotent: ``created`` is false the second time."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signin"

    @extend_schema(request=s.SignInSerializer, responses={200: s.SignInResultSerializer, 403: None})
    def post(self, request):
        body = s.SignInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            if body.validated_data.get("token"):
                attendance, created = services.attendance_sign_in_token(
                    user=request.user, token=body.validated_data["token"]
                )
            else:
                attendance, created = services.attendance_sign_in_code(
                    user=request.user, code=body.validated_data["code"]
                )
        except services.SignInRefused as exc:
            raise PermissionDenied(exc.reason) from exc
        return Response(
            s.SignInResultSerializer(
                {
                    "session": attendance.session_id,
                    "created": created,
                    "present": attendance.present,
                    "signed_at": attendance.signed_at,
                }
            ).data
        )
