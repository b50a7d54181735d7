"""Courses API: catalog, course and lesson detail (with playback URLs), heartbeats, my progress."""

import json

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.access import may_watch
from courses.credit import study_hours_rule_text
from courses.selectors import (
    catalog_courses,
    course_lessons,
    lesson_documents,
    my_learning,
    progress_by_lesson,
    progress_for,
    published_lessons,
    watchable_lesson,
)
from courses.services import progress_heartbeat_apply
from courses.watch import HeartbeatError
from lms.members.models import MemberCategory

from ..modules import Module
from .serializers import (
    CourseDetailSerializer,
    CourseSerializer,
    HeartbeatInputSerializer,
    HeartbeatOutputSerializer,
    LessonDetailSerializer,
    MyProgressSerializer,
)
from .throttling import OneTripScopedRateThrottle


def _member(request):
    return getattr(request.user, "member", None)


class MayWatch(BasePermission):
    message = "微党课仅对党员开放观看（工作人员可预览）。"

    def has_permission(self, request, view):
        return may_watch(request.user)


class IsMember(BasePermission):
    message = "只有党员本人的观看才记录学习进度。"

    def has_permission(self, request, view):
        return _member(request) is not None


@extend_schema(
    tags=["courses"],
    parameters=[
        OpenApiParameter("module", OpenApiTypes.STR, enum=Module.values, description="教学模块"),
        OpenApiParameter("audience", OpenApiTypes.STR, enum=MemberCategory.values, description="适用对象（党员类别）"),
    ],
)
class CourseListView(generics.ListAPIView):
    """The catalog: live courses, filterable by module and audience."""

    serializer_class = CourseSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        module = self.request.query_params.get("module") or None
        audience = self.request.query_params.get("audience") or None
        if module and module not in Module.values:
            raise ValidationError({"module": "教学模块只能是：" + "、".join(Module.values)})
        if audience and audience not in MemberCategory.values:
            raise ValidationError({"audience": "适用对象只能是：" + "、".join(MemberCategory.values)})
        return catalog_courses(module=module, audience=audience)


@extend_schema(tags=["courses"])
class CourseDetailView(generics.RetrieveAPIView):
    """A live course with its live lessons (and the caller's progress in each)."""

    serializer_class = CourseDetailSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return catalog_courses()

    def retrieve(self, request, *args, **kwargs):
        course = self.get_object()
        lessons = list(course_lessons(course))
        progress = progress_by_lesson(_member(request), [lesson.pk for lesson in lessons])
        context = {**self.get_serializer_context(), "lessons": lessons, "progress": progress}
        return Response(CourseDetailSerializer(course, context=context).data)


def _published_lesson(pk):
    return get_object_or_404(published_lessons(), pk=pk)


@extend_schema(tags=["courses"], responses=LessonDetailSerializer)
class LessonDetailView(APIView):
    """A published lesson with its playback URLs and the caller's resume position."""

    permission_classes = [IsAuthenticated, MayWatch]

    def get(self, request, pk: int):
        lesson = _published_lesson(pk)
        context = {
            "request": request,
            "course": lesson.get_parent().specific,
            "documents": lesson_documents(lesson),
            "progress": progress_for(_member(request), lesson),
        }
        return Response(LessonDetailSerializer(lesson, context=context).data)


@extend_schema(
    tags=["courses"],
    request=HeartbeatInputSerializer,
    responses={200: HeartbeatOutputSerializer},
    description=(
        "播放器每约 15 秒提交一次新播放的区间；页面隐藏时用 navigator.sendBeacon 以表单提交"
        "（字段 csrfmiddlewaretoken 与 payload=JSON）。只计入新的、真实播放的秒数，"
        "且不超过距上次心跳的时间 × 最大倍速；重复提交不会重复计入。"
    ),
)
class LessonHeartbeatView(APIView):
    """The lean path for the busiest endpoint (every viewer, every 15 s): the lesson's state
    from the cache, the member found inside the service's clock statement (no member query),
    throttling with one cache round trip. A user who is not a member gets the same 403 before
    any other answer, as the IsMember permission gave it."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    throttle_classes = [OneTripScopedRateThrottle]
    throttle_scope = "heartbeat"

    def post(self, request, pk: int):
        try:
            lesson = watchable_lesson(pk)  # cached: no Wagtail page per heartbeat
            if lesson is None:
                raise NotFound("未找到该微党课，或尚未发布。")
            data = request.data
            if "payload" in data:  # sendBeacon: a form with the CSRF token and the JSON payload
                try:
                    data = json.loads(data["payload"])
                except (TypeError, ValueError):
                    raise ValidationError({"payload": "心跳数据不是有效的 JSON。"})
                if not isinstance(data, dict):
                    raise ValidationError({"payload": "心跳数据格式不正确。"})
            serializer = HeartbeatInputSerializer(data=data)
            serializer.is_valid(raise_exception=True)
            result = progress_heartbeat_apply(
                member_user_id=request.user.pk,
                lesson=lesson,
                intervals=serializer.validated_data["intervals"],
                position=serializer.validated_data.get("position"),
            )
        except HeartbeatError as exc:
            self._member_or_403(request)
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except APIException:
            self._member_or_403(request)  # a non-member hears "members only" first, as before
            raise
        return Response(HeartbeatOutputSerializer(result).data)

    def _member_or_403(self, request) -> None:
        if _member(request) is None:
            raise PermissionDenied(IsMember.message)


@extend_schema(tags=["courses"], responses=MyProgressSerializer)
class MyProgressView(APIView):
    """The caller's own learning: in progress, completed, 学时 this year. Never anyone else's."""

    permission_classes = [IsAuthenticated, IsMember]

    def get(self, request):
        member = _member(request)
        if member is None:  # pragma: no cover - IsMember
            raise PermissionDenied
        learning = my_learning(member, year=timezone.localdate().year)
        data = {
            "year": learning.year,
            "seconds_this_year": learning.seconds_this_year,
            "hours_this_year": learning.hours_this_year,
            "lessons_completed_this_year": learning.lessons_completed_this_year,
            "rule": study_hours_rule_text(),
            "in_progress": learning.in_progress,
            "completed": learning.completed,
        }
        return Response(MyProgressSerializer(data, context={"request": request}).data)
