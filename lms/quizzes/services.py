"""Writes for quizzes: starting an attempt (the server draws the questions), submitting it
(graded once, whatever is retried or sent in parallel) and the admin's saves, which keep to the
courses the editor may edit."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from lms.accounts import policy

from . import rules
from .models import Attempt, Option, Question, Quiz, QuizPass
from .selectors import editable_course_ids, may_take, open_attempt
from .signals import quiz_passed

_random = random.SystemRandom()


class QuizError(Exception):
    """A quiz action the server refuses; `str(exc)` is the Chinese message, `status` the HTTP code."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Submitted:
    attempt: Attempt
    counted_now: bool  # False: this attempt was already submitted; nothing changed
    first_pass: bool  # this submission made the member's first pass of the quiz this year


def quiz_bank(quiz: Quiz):
    """Questions a quiz draws from: the course's active questions (a lesson quiz: that lesson's),
    each with at least two options and at least one correct one."""
    qs = Question.objects.filter(course_id=quiz.course_id, is_active=True)
    if quiz.lesson_id:
        qs = qs.filter(lesson_id=quiz.lesson_id)
    return qs.annotate(
        n_options=Count("options"), n_correct=Count("options", filter=Q(options__is_correct=True))
    ).filter(n_options__gte=2, n_correct__gte=1)


def attempt_start(*, user, quiz: Quiz, now: dt.datetime | None = None) -> Attempt:
    """Start (or resume) the member's attempt: questions and option order are drawn here, at
    random, and stored; an unfinished attempt within its time limit is returned as it is, so
    reloading never redraws."""
    member = policy.member_for(user)
    if member is None or not may_take(user, quiz):
        raise QuizError("您无权参加该测验。", status=403)
    now = now or timezone.now()
    with transaction.atomic():
        # One start at a time per member: two tabs starting at once get the same attempt.
        type(member).objects.select_for_update().filter(pk=member.pk).first()
        attempt = open_attempt(member, quiz, now=now)
        if attempt is not None:
            return attempt
        bank = list(quiz_bank(quiz).values_list("pk", flat=True))
        if not bank:
            raise QuizError("该测验的题库暂无可用题目，请稍后再试。", status=409)
        questions = _random.sample(bank, min(quiz.question_count, len(bank)))
        options: dict[int, list[int]] = {}
        for question_id, option_id in Option.objects.filter(question_id__in=questions).values_list("question_id", "pk"):
            options.setdefault(question_id, []).append(option_id)
        draw = []
        for question_id in questions:
            ids = options.get(question_id, [])
            _random.shuffle(ids)
            draw.append([question_id, ids])
        deadline = now + dt.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
        attempt = Attempt(quiz=quiz, member=member, draw=draw, started_at=now, deadline_at=deadline, total=len(draw))
        attempt.full_clean()
        attempt.save()
    return attempt


# A submission sent just as the clock runs out still arrives a little late over a village network.
DEADLINE_GRACE = dt.timedelta(seconds=30)


def attempt_submit(*, user, attempt_id: int, answers, now: dt.datetime | None = None) -> Submitted:
    """Grade the member's attempt once. The row is locked, so a double click, a retry or a
    parallel request finds it submitted and gets the same result, counted once. Answers to
    questions that were not drawn (or options not of the question) refuse the submission whole;
    a submission after the time limit is refused."""
    member_id = policy.member_id_for(user)
    if member_id is None:
        raise QuizError("只有党员本人可以交卷。", status=403)
    now = now or timezone.now()
    first_pass = None
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("quiz")
            .filter(pk=attempt_id, member_id=member_id)
            .first()
        )
        if attempt is None:
            raise QuizError("未找到该答题记录。", status=404)
        if attempt.submitted_at is not None:
            return Submitted(attempt=attempt, counted_now=False, first_pass=False)
        quiz = attempt.quiz
        if attempt.deadline_at is not None and now > attempt.deadline_at + DEADLINE_GRACE:
            raise QuizError(
                f"已超过答题时限（{quiz.time_limit_minutes} 分钟），本次提交无效，请重新开始答题。", status=409
            )
        try:
            chosen = rules.parse_answers(answers, draw=attempt.draw)
        except rules.AnswerError as exc:
            raise QuizError(str(exc)) from None
        question_ids = [q for q, _ in attempt.draw]
        correct: dict[int, set[int]] = {q: set() for q in question_ids}
        for question_id, option_id in Option.objects.filter(question_id__in=question_ids, is_correct=True).values_list(
            "question_id", "pk"
        ):
            correct[question_id].add(option_id)
        graded = rules.grade(
            draw=attempt.draw,
            chosen=chosen,
            correct={q: frozenset(o) for q, o in correct.items()},
            pass_percent=quiz.pass_percent,
        )
        attempt.submitted_at = now
        attempt.result = graded.items
        attempt.score = graded.score
        attempt.total = graded.total
        attempt.passed = graded.passed
        attempt.save(update_fields=["submitted_at", "result", "score", "total", "passed"])
        if graded.passed:
            first_pass = _pass_record(attempt=attempt, now=now)
    if first_pass is not None:
        return Submitted(attempt=attempt, counted_now=True, first_pass=True)
    return Submitted(attempt=attempt, counted_now=True, first_pass=False)


def _pass_record(*, attempt: Attempt, now: dt.datetime) -> QuizPass | None:
    """The member's first pass of the quiz this year (None if they had one): the row, a quota
    refresh and the `quiz_passed` signal once the transaction commits."""
    year = timezone.localdate(now).year
    if QuizPass.objects.filter(quiz_id=attempt.quiz_id, member_id=attempt.member_id, year=year).exists():
        return None
    try:
        with transaction.atomic():
            quiz_pass = QuizPass.objects.create(
                quiz_id=attempt.quiz_id, member_id=attempt.member_id, year=year, attempt=attempt, passed_at=now
            )
    except IntegrityError:  # a parallel attempt of the same member passed first
        return None
    from lms.quotas.services import quota_members_touch

    quota_members_touch(member_ids=[attempt.member_id])
    transaction.on_commit(
        lambda: quiz_passed.send(
            sender=Quiz, member=attempt.member, quiz=attempt.quiz, attempt=attempt, quiz_pass=quiz_pass
        )
    )
    return quiz_pass


# --- admin writes -----------------------------------------------------------------------------


def _editable_or_refuse(user, course_id: int | None) -> None:
    if course_id is None or not editable_course_ids(user).filter(pk=course_id).exists():
        raise ValidationError({"course": "您只能为本校可编辑的课程设置测验。"})


def quiz_save(*, user, quiz: Quiz) -> Quiz:
    """Save a quiz from the admin: only on a course the editor may edit (moving a quiz to another
    school's course is refused just the same)."""
    if quiz.pk is not None:
        before = Quiz.objects.filter(pk=quiz.pk).values_list("course_id", flat=True).first()
        _editable_or_refuse(user, before)
    _editable_or_refuse(user, quiz.course_id)
    quiz.full_clean()
    quiz.save()
    return quiz


def question_save(*, user, question: Question) -> Question:
    """Save a bank question with its options (held in memory by the admin's inline formset,
    saved with it): on an editable course, with the option counts its kind needs."""
    if question.pk is not None:
        before = Question.objects.filter(pk=question.pk).values_list("course_id", flat=True).first()
        _editable_or_refuse(user, before)
    _editable_or_refuse(user, question.course_id)
    if question.lesson_id and question.course_id and not question.lesson.path.startswith(question.course.path):
        raise ValidationError({"lesson": "所选微党课不属于该课程。"})
    options = [o for o in question.options.all()]
    _options_check(question.kind, options)
    question.full_clean(exclude=["course", "lesson"])
    question.save()
    return question


def _options_check(kind: str, options) -> None:
    correct = sum(1 for o in options if o.is_correct)
    if len(options) < 2:
        raise ValidationError("每道题至少需要两个选项。")
    if kind == Question.Kind.TRUE_FALSE and len(options) != 2:
        raise ValidationError("判断题只能有两个选项（对 / 错）。")
    if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and correct != 1:
        raise ValidationError("单选题和判断题须恰好有一个正确答案。")
    if kind == Question.Kind.MULTIPLE and correct < 1:
        raise ValidationError("多选题至少需要一个正确答案。")
