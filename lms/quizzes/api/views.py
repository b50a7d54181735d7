"""Quizzes API: the quizzes a member may take, starting an attempt, answering it, its result.
The same services and scope as the site (lms.quizzes.services / selectors)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lms import params
from lms.accounts import policy

from ..models import Attempt, Question, Quiz
from ..selectors import attempt_questions, may_take, member_passes, takeable_quizzes
from ..services import QuizError, attempt_start, attempt_submit
from .serializers import AttemptSerializer, QuizSerializer, SubmitInputSerializer, SubmittedSerializer


class IsMember(BasePermission):
    message = "测验仅对党员开放。"

    def has_permission(self, request, view):
        return policy.member_id_for(request.user) is not None


def _passed_ids(user) -> set[int]:
    return set(member_passes(policy.member_for(user)).values_list("quiz_id", flat=True))


def _quiz(user, pk: int) -> Quiz:
    quiz = Quiz.objects.select_related("course", "lesson").filter(pk=pk).first()
    if quiz is None or not may_take(user, quiz):
        raise NotFound("未找到该测验。")
    return quiz


def _attempt_data(attempt: Attempt, serializer_class=AttemptSerializer, **extra) -> dict:
    questions = attempt_questions(attempt)
    context = {"questions": questions, **extra}
    if attempt.submitted_at is not None:
        context["explanations"] = dict(
            Question.objects.filter(pk__in=[q["id"] for q in questions]).values_list("pk", "explanation")
        )
    return serializer_class(attempt, context=context).data


def _error(exc: QuizError) -> Response:
    return Response({"detail": str(exc)}, status=exc.status)


@extend_schema(
    tags=["quizzes"],
    parameters=[OpenApiParameter("course", OpenApiTypes.INT, description="只列出该课程的测验")],
    responses=QuizSerializer(many=True),
)
class QuizListView(APIView):
    """Active quizzes of courses open to the caller (a member)."""

    permission_classes = [IsAuthenticated, IsMember]

    def get(self, request):
        course_id = params.object_id(request.query_params.get("course"), name="course", label="课程编号")
        quizzes = takeable_quizzes(request.user, course_id=course_id)
        context = {"passed_ids": _passed_ids(request.user)}
        return Response(QuizSerializer(quizzes, many=True, context=context).data)


@extend_schema(tags=["quizzes"], responses=QuizSerializer)
class QuizDetailView(APIView):
    permission_classes = [IsAuthenticated, IsMember]

    def get(self, request, pk: int):
        quiz = _quiz(request.user, pk)
        return Response(QuizSerializer(quiz, context={"passed_ids": _passed_ids(request.user)}).data)


@extend_schema(
    tags=["quizzes"],
    request=None,
    responses={201: AttemptSerializer},
    description="开始答题：服务器随机抽题并打乱选项顺序，保存本次抽题；未交卷且未超时的答题会原样返回（刷新不会重新抽题）。"
    "返回的题目不含正确答案。",
)
class AttemptStartView(APIView):
    permission_classes = [IsAuthenticated, IsMember]

    def post(self, request, pk: int):
        quiz = _quiz(request.user, pk)
        try:
            attempt = attempt_start(user=request.user, quiz=quiz)
        except QuizError as exc:
            return _error(exc)
        return Response(_attempt_data(attempt), status=status.HTTP_201_CREATED)


def _own_attempt(request, pk: int) -> Attempt:
    attempt = Attempt.objects.filter(pk=pk, member_id=policy.member_id_for(request.user)).first()
    if attempt is None:
        raise NotFound("未找到该答题记录。")
    return attempt


@extend_schema(tags=["quizzes"], responses=AttemptSerializer)
class AttemptDetailView(APIView):
    """The caller's own attempt: its questions; after submission also its result."""

    permission_classes = [IsAuthenticated, IsMember]

    def get(self, request, pk: int):
        return Response(_attempt_data(_own_attempt(request, pk)))


@extend_schema(
    tags=["quizzes"],
    request=SubmitInputSerializer,
    responses={200: SubmittedSerializer},
    description="交卷。只能回答本次抽到的题目和选项，否则整份提交无效（400）；超过时限的提交无效（409）；"
    "重复或并发的提交只计一次（counted_now=false，返回原成绩）。",
)
class AttemptSubmitView(APIView):
    permission_classes = [IsAuthenticated, IsMember]

    def post(self, request, pk: int):
        _own_attempt(request, pk)
        serializer = SubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            submitted = attempt_submit(user=request.user, attempt_id=pk, answers=serializer.validated_data["answers"])
        except QuizError as exc:
            return _error(exc)
        return Response(_attempt_data(submitted.attempt, SubmittedSerializer, counted_now=submitted.counted_now))
