"""Quizzes for tests: a course's question bank and a quiz drawing from it. Option texts do not
tell right from wrong; every explanation carries EXPLANATION_MARK, so a test can look for it
in responses (it must not appear before submission)."""

from __future__ import annotations

import itertools

from lms.quizzes.models import Option, Question, Quiz

EXPLANATION_MARK = "JXBJ"
_seq = itertools.count(1)


def make_question(course, *, kind: str = Question.Kind.SINGLE, lesson=None, options: int = 4, correct=(0,)) -> Question:
    n = next(_seq)
    question = Question.objects.create(
        course=course,
        lesson=lesson,
        kind=kind,
        text=f"测试题目{n}：下列哪项正确？",
        explanation=f"{EXPLANATION_MARK}{n}",
    )
    if kind == Question.Kind.TRUE_FALSE:
        options = 2
    for i in range(options):
        right = i in correct
        Option.objects.create(
            question=question,
            sort_order=i,
            text=f"选项{n}-{i}",
            is_correct=right,
        )
    return question


def make_quiz(
    course,
    *,
    questions: int = 3,
    question_count: int | None = None,
    pass_percent: int = 60,
    required: bool = False,
    lesson=None,
    time_limit_minutes: int | None = None,
    kinds=(Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE),
    title: str | None = None,
) -> Quiz:
    for i in range(questions):
        kind = kinds[i % len(kinds)]
        make_question(course, kind=kind, lesson=lesson, correct=(0, 2) if kind == Question.Kind.MULTIPLE else (1,))
    return Quiz.objects.create(
        title=title or f"测试测验{next(_seq)}",
        course=course,
        lesson=lesson,
        question_count=question_count or questions,
        pass_percent=pass_percent,
        required_for_completion=required,
        time_limit_minutes=time_limit_minutes,
    )


def right_answers(attempt) -> dict[str, list[int]]:
    """The right answers to an attempt's draw (what a member who knows them submits)."""
    question_ids = [q for q, _ in attempt.draw]
    out: dict[str, list[int]] = {str(q): [] for q in question_ids}
    for question_id, option_id in Option.objects.filter(question_id__in=question_ids, is_correct=True).values_list(
        "question_id", "pk"
    ):
        out[str(question_id)].append(option_id)
    return out


def wrong_answers(attempt) -> dict[str, list[int]]:
    """A wrong option for every drawn question."""
    question_ids = [q for q, _ in attempt.draw]
    out: dict[str, list[int]] = {}
    for question_id, option_id in Option.objects.filter(question_id__in=question_ids, is_correct=False).values_list(
        "question_id", "pk"
    ):
        out.setdefault(str(question_id), [option_id])
    return out
