"""Member pages for quizzes: a quiz's page, starting an attempt, answering and the result.
Answers (which options are correct) appear only on the result of the member's own submitted
attempt."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from courses.selectors import course_completed
from lms.accounts import policy

from .models import Attempt, Question, Quiz
from .selectors import attempt_questions, may_take, member_attempts, member_passed, open_attempt
from .services import QuizError, attempt_start, attempt_submit

ANSWER_PREFIX = "q-"


def _quiz_for(user, pk: int) -> Quiz:
    """The quiz if the user may take it; otherwise a 404, so another school's restricted
    course does not even confirm its quiz exists."""
    quiz = Quiz.objects.select_related("course", "lesson").filter(pk=pk).first()
    if quiz is None or not may_take(user, quiz):
        raise Http404("未找到该测验。")
    return quiz


def _not_member(request):
    return render(
        request, "courses/forbidden.html", {"reason": "测验仅对党员开放；工作人员请在管理后台预览题库。"}, status=403
    )


@login_required
def quiz_page(request, pk: int):
    if policy.member_id_for(request.user) is None:
        return _not_member(request)
    quiz = _quiz_for(request.user, pk)
    member = policy.member_for(request.user)
    context = {
        "quiz": quiz,
        "attempts": list(member_attempts(member, quiz).filter(submitted_at__isnull=False)[:10]),
        "open_attempt": open_attempt(member, quiz, now=timezone.now()),
        "passed": member_passed(member, quiz),
        "course_completed": course_completed(member, quiz.course),
    }
    return render(request, "quizzes/quiz_page.html", context)


@login_required
@require_POST
def quiz_start(request, pk: int):
    if policy.member_id_for(request.user) is None:
        return _not_member(request)
    quiz = _quiz_for(request.user, pk)
    try:
        attempt = attempt_start(user=request.user, quiz=quiz)
    except QuizError as exc:
        return render(request, "quizzes/quiz_error.html", {"quiz": quiz, "message": str(exc)}, status=exc.status)
    return redirect("quizzes:attempt", pk=attempt.pk)


def _own_attempt(request, pk: int) -> Attempt:
    member_id = policy.member_id_for(request.user)
    attempt = Attempt.objects.select_related("quiz", "quiz__course").filter(pk=pk, member_id=member_id).first()
    if member_id is None or attempt is None:
        raise Http404("未找到该答题记录。")
    return attempt


def _answers_from_post(post) -> dict[str, list[str]]:
    return {key[len(ANSWER_PREFIX) :]: post.getlist(key) for key in post if key.startswith(ANSWER_PREFIX)}


@login_required
@require_http_methods(["GET", "POST"])
def attempt_page(request, pk: int):
    attempt = _own_attempt(request, pk)
    error = None
    status = 200
    if request.method == "POST":
        try:
            attempt_submit(user=request.user, attempt_id=attempt.pk, answers=_answers_from_post(request.POST))
        except QuizError as exc:
            error, status = str(exc), exc.status
        else:
            return redirect("quizzes:attempt", pk=attempt.pk)
    if attempt.is_submitted:
        return render(request, "quizzes/attempt_result.html", _result_context(attempt))
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "questions": attempt_questions(attempt),
        "error": error,
        "expired": attempt.deadline_at is not None and attempt.deadline_at <= timezone.now(),
    }
    return render(request, "quizzes/attempt_page.html", context, status=status)


def _result_context(attempt: Attempt) -> dict:
    """The submitted attempt with, per question, the options marked chosen and correct (from
    the attempt's stored result: the grading as it was)."""
    questions = attempt_questions(attempt)
    explanations = dict(Question.objects.filter(pk__in=[q["id"] for q in questions]).values_list("pk", "explanation"))
    by_question = {item["question"]: item for item in attempt.result}
    for question in questions:
        item = by_question.get(question["id"], {})
        chosen, correct = set(item.get("chosen", [])), set(item.get("correct", []))
        question["right"] = bool(item.get("right"))
        question["explanation"] = explanations.get(question["id"], "")
        for option in question["options"]:
            option["chosen"] = option["id"] in chosen
            option["correct"] = option["id"] in correct
    member = attempt.member
    return {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "questions": questions,
        "course_completed": course_completed(member, attempt.quiz.course),
    }
