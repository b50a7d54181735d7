"""Reads for quizzes: who passed what (for quotas, points, 学习档案 and certificates), which
quizzes a member may take, which an editor may edit, and a member's attempts.

Stable names other apps use:
- `passed_member_ids(quiz_id, year)`: ids of members with a pass of the quiz in that year;
- `member_passed(member, quiz, year=None)`: has the member passed (in `year`, or ever)?
- `quiz_passes(...)`: the QuizPass rows as a queryset, for SQL aggregation in reports;
- `required_quizzes_passed(member, course_ids)`: per course, are its required quizzes passed?
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet
from wagtail.models import BaseViewRestriction, Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from lms.accounts import policy

from .models import Attempt, Question, Quiz, QuizPass


def quiz_passes(
    *, quiz_id: int | None = None, year: int | None = None, member_ids: Iterable[int] | None = None
) -> QuerySet[QuizPass]:
    """QuizPass rows (one per member, quiz and year: the first pass of that year)."""
    qs = QuizPass.objects.all()
    if quiz_id is not None:
        qs = qs.filter(quiz_id=quiz_id)
    if year is not None:
        qs = qs.filter(year=year)
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    return qs


def passed_member_ids(quiz_id: int, year: int) -> set[int]:
    """Members who passed quiz `quiz_id` in local year `year` (the "pass the annual test" rule)."""
    return set(quiz_passes(quiz_id=quiz_id, year=year).values_list("member_id", flat=True))


def member_passed(member, quiz, year: int | None = None) -> bool:
    """Has `member` passed `quiz` (a Quiz or its id) — in `year`, or in any year when None?"""
    if member is None:
        return False
    return quiz_passes(quiz_id=getattr(quiz, "pk", quiz), year=year, member_ids=[member.pk]).exists()


def member_passes(member, *, year: int | None = None) -> QuerySet[QuizPass]:
    """A member's passes with quiz and course, newest first (学习档案)."""
    qs = QuizPass.objects.filter(member=member).select_related("quiz", "quiz__course", "attempt")
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-passed_at")


def required_quizzes(course_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active quizzes that must be passed for each course to count as complete."""
    out: dict[int, list[int]] = defaultdict(list)
    rows = Quiz.objects.filter(course_id__in=list(course_ids), is_active=True, required_for_completion=True)
    for quiz_id, course_id in rows.values_list("pk", "course_id"):
        out[course_id].append(quiz_id)
    return dict(out)


def required_quizzes_passed(member, course_ids: Iterable[int]) -> dict[int, tuple[bool, bool]]:
    """Per course id: (a quiz is required, every required quiz is passed — in any year)."""
    course_ids = list(course_ids)
    required = required_quizzes(course_ids)
    wanted = [q for quizzes in required.values() for q in quizzes]
    passed = set()
    if member is not None and wanted:
        passed = set(QuizPass.objects.filter(member=member, quiz_id__in=wanted).values_list("quiz_id", flat=True))
    return {c: (bool(required.get(c)), all(q in passed for q in required.get(c, []))) for c in course_ids}


# --- who may take and who may edit ------------------------------------------------------------


def page_open_to(user, page: Page) -> bool:
    """Is `page` (a course or lesson) open to `user` the way Wagtail serves it: live, under live
    pages, and every view restriction on the way passed (login; group membership). A
    password-protected course offers no quiz (a password is a browser session, not a member)."""
    if not policy.may_watch(user, page) or not page.live:
        return False
    if Page.objects.ancestor_of(page).filter(depth__gt=1, live=False).exists():
        return False
    group_ids = None
    for restriction in page.get_view_restrictions():
        if restriction.restriction_type == BaseViewRestriction.LOGIN:
            continue
        if restriction.restriction_type == BaseViewRestriction.GROUPS:
            if group_ids is None:
                group_ids = set(user.groups.values_list("pk", flat=True))
            if group_ids & set(restriction.groups.values_list("pk", flat=True)):
                continue
        return False
    return True


def may_take(user, quiz: Quiz) -> bool:
    """Members take active quizzes of courses (and lessons) open to them."""
    if policy.member_id_for(user) is None or not quiz.is_active:
        return False
    page = quiz.lesson if quiz.lesson_id else quiz.course
    return page_open_to(user, page)


def takeable_quizzes(user, *, course_id: int | None = None) -> list[Quiz]:
    """Active quizzes (of one course, or all) that `user` may take, in course order."""
    if policy.member_id_for(user) is None:
        return []
    qs = Quiz.objects.filter(is_active=True, course__live=True).select_related("course", "lesson")
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    return [q for q in qs.order_by("course__path", "pk") if may_take(user, q)]


def course_quizzes(course) -> QuerySet[Quiz]:
    """A course's active quizzes (course-wide ones first), for its page."""
    return Quiz.objects.filter(course=course, is_active=True).select_related("lesson").order_by("lesson_id", "pk")


def editable_course_ids(user) -> QuerySet:
    """Course pages `user` may edit (Wagtail's page permissions, as for the courses themselves)."""
    from courses.models import CoursePage

    pages = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    return CoursePage.objects.filter(pk__in=pages.values("pk")).values("pk")


def editable_quizzes(user) -> QuerySet[Quiz]:
    return Quiz.objects.filter(course_id__in=editable_course_ids(user)).select_related("course", "lesson")


def editable_questions(user) -> QuerySet[Question]:
    return Question.objects.filter(course_id__in=editable_course_ids(user)).select_related("course")


# --- attempts ---------------------------------------------------------------------------------


def member_attempts(member, quiz: Quiz) -> QuerySet[Attempt]:
    return Attempt.objects.filter(member=member, quiz=quiz).order_by("-started_at", "-pk")


def open_attempt(member, quiz: Quiz, *, now) -> Attempt | None:
    """The member's unsubmitted attempt still within its time limit, to resume (no redraw)."""
    attempt = member_attempts(member, quiz).filter(submitted_at__isnull=True).first()
    if attempt is None or (attempt.deadline_at is not None and attempt.deadline_at <= now):
        return None
    return attempt


def attempt_questions(attempt: Attempt) -> list[dict]:
    """The drawn questions in drawn order with their options in drawn order — text and ids
    only (never whether an option is correct): what a member sees while answering."""
    question_ids = [q for q, _ in attempt.draw]
    questions = Question.objects.filter(pk__in=question_ids).prefetch_related("options")
    by_id = {q.pk: q for q in questions}
    out = []
    for number, (question_id, option_ids) in enumerate(attempt.draw, start=1):
        question = by_id.get(question_id)
        if question is None:
            continue
        options = {o.pk: o for o in question.options.all()}
        out.append(
            {
                "id": question.pk,
                "number": number,
                "kind": question.kind,
                "kind_label": question.get_kind_display(),
                "text": question.text,
                "options": [{"id": o, "text": options[o].text} for o in option_ids if o in options],
            }
        )
    return out
