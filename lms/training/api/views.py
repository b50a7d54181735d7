"""REST API for plans, classes, sessions, enrolment, attendance and sign-in. Views validate
input, call one service or selector, and return serializers; rules live in services."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from lms import params
from lms.accounts.scope import scoped
from lms.members.api.serializers import MemberSerializer

from .. import selectors
from ..models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass
from ..services.attendance import SignInRefused, attendance_sign_in_code, attendance_sign_in_token
from ..services.classes import CLASS_FIELDS, class_cancel, class_create, class_publish, class_update
from ..services.enrollment import enrollment_add, enrollment_remove
from ..services.permissions import NOT_YOUR_SCHOOL, school_manage_check
from ..services.plans import plan_create, plan_review, plan_submit, planned_class_add, planned_class_delete
from ..services.roll_call import attendance_roll_call
from ..services.sessions import session_delete, session_save
from . import serializers as s


def inline_count():
    return inline_serializer("RollCallResult", {"changed": serializers.IntegerField()})


def _valid(serializer_class, request, **kwargs) -> dict:
    """The request body checked by an input serializer (400 with its messages), as a dict."""
    body = serializer_class(data=request.data, **kwargs)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


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

    @extend_schema(request=s.AnnualPlanInputSerializer, responses={201: s.AnnualPlanSerializer})
    def create(self, request, *args, **kwargs):
        d = _valid(s.AnnualPlanInputSerializer, request)
        plan = plan_create(
            user=request.user, school=d["school"], year=d["year"], title=d.get("title", ""), notes=d.get("notes", "")
        )
        return Response(s.AnnualPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.AnnualPlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = plan_submit(user=request.user, plan=self.get_object())
        return Response(s.AnnualPlanSerializer(plan).data)

    @extend_schema(request=s.PlanReviewSerializer, responses=s.AnnualPlanSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        body = _valid(s.PlanReviewSerializer, request)
        plan = plan_review(user=request.user, plan=self.get_object(), **body)
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

    @extend_schema(request=s.PlannedClassInputSerializer, responses={201: s.PlannedClassSerializer})
    def create(self, request, *args, **kwargs):
        d = _valid(s.PlannedClassInputSerializer, request)
        plan = d.pop("plan")
        if not scoped(AnnualPlan.objects.filter(pk=plan.pk), request.user).exists():
            raise PermissionDenied(NOT_YOUR_SCHOOL)
        item = planned_class_add(user=request.user, plan=plan, **d)
        return Response(s.PlannedClassSerializer(item).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        planned_class_delete(user=self.request.user, planned_class=instance)


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
        query = self.request.query_params
        state = params.choice(query.get("status"), name="status", choices=TrainingClass.Status.values, label="status")
        if state:
            qs = qs.filter(status=state)
        year = _int_param(self.request, "year")
        if year:
            qs = qs.filter(start_date__year=year)
        compliant = params.flag(query.get("compliant"), name="compliant", default=None)
        if compliant is not None:
            qs = qs.filter(is_compliant=compliant)
        return qs

    @extend_schema(request=s.TrainingClassInputSerializer, responses={201: s.TrainingClassSerializer})
    def create(self, request, *args, **kwargs):
        training_class = class_create(user=request.user, **_valid(s.TrainingClassInputSerializer, request))
        return Response(s.TrainingClassSerializer(training_class).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TrainingClassInputSerializer, responses=s.TrainingClassSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        stored = self.get_object()
        d = _valid(s.TrainingClassInputSerializer, request, instance=stored, partial=partial)
        training_class = class_update(
            user=request.user,
            training_class=TrainingClass.objects.get(pk=stored.pk),
            **{k: v for k, v in d.items() if k in CLASS_FIELDS},
        )
        return Response(s.TrainingClassSerializer(training_class).data)

    @extend_schema(request=s.TrainingClassInputSerializer, responses=s.TrainingClassSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    @extend_schema(request=None, responses=s.TrainingClassSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        training_class = self.get_object()
        try:
            class_publish(user=request.user, training_class=training_class)
        except DjangoValidationError as exc:
            raise ValidationError({"missing": exc.messages}) from exc
        return Response(s.TrainingClassSerializer(self._fresh(training_class.pk)).data)

    @extend_schema(request=None, responses=s.TrainingClassSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        training_class = class_cancel(user=request.user, training_class=self.get_object())
        return Response(s.TrainingClassSerializer(self._fresh(training_class.pk)).data)

    @extend_schema(request=s.EnrolSerializer, responses=s.EnrollmentSerializer(many=True))
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        body = _valid(s.EnrolSerializer, request)
        rows = enrollment_add(
            user=request.user,
            training_class=self.get_object(),
            member_ids=body["members"],
        )
        qs = Enrollment.objects.filter(pk__in=[r.pk for r in rows]).select_related("member", "training_class")
        return Response(s.EnrollmentSerializer(qs, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MemberSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggested(self, request, pk=None):
        training_class = self.get_object()
        school_manage_check(request.user, training_class.school_id)
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

    def _save(self, d: dict, instance=None) -> ClassSession:
        if instance is not None and "training_class" in d and d["training_class"].pk != instance.training_class_id:
            raise ValidationError({"training_class": "课次不能移到其他班次，请在目标班次中新建。"})
        session = instance or ClassSession()
        for k, v in d.items():
            setattr(session, k, v)
        if not scoped(TrainingClass.objects.filter(pk=session.training_class_id), self.request.user).exists():
            raise PermissionDenied(NOT_YOUR_SCHOOL)
        return session_save(user=self.request.user, session=session)

    @extend_schema(request=s.SessionInputSerializer, responses={201: s.SessionSerializer})
    def create(self, request, *args, **kwargs):
        session = self._save(_valid(s.SessionInputSerializer, request))
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SessionInputSerializer, responses=s.SessionSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        stored = self.get_object()
        session = self._save(_valid(s.SessionInputSerializer, request, instance=stored, partial=partial), stored)
        return Response(s.SessionSerializer(session).data)

    @extend_schema(request=s.SessionInputSerializer, responses=s.SessionSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        session_delete(user=self.request.user, session=instance)


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
        enrollment_remove(user=self.request.user, enrollment=instance)


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
        body = _valid(s.RollCallSerializer, request)
        session = get_object_or_404(
            scoped(ClassSession.objects.select_related("training_class"), request.user),
            pk=body["session"],
        )
        present = {
            params.object_id(key, name="present", label="党员ID"): value for key, value in body["present"].items()
        }
        changed = attendance_roll_call(user=request.user, session=session, present=present)
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
        body = _valid(s.SignInSerializer, request)
        try:
            if body.get("token"):
                attendance, created = attendance_sign_in_token(user=request.user, token=body["token"])
            else:
                attendance, created = attendance_sign_in_code(user=request.user, code=body["code"])
        except SignInRefused as exc:
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
