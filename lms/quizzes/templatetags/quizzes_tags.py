"""`{% course_quizzes page %}`: the quiz section of a course or lesson page (what to take, what
is passed, whether the course counts as complete)."""

from django import template

from courses.selectors import course_completed
from lms.accounts import policy

from ..selectors import course_quizzes as quizzes_of_course
from ..selectors import member_passes

register = template.Library()


@register.inclusion_tag("quizzes/course_quizzes.html", takes_context=True)
def course_quizzes(context, page, lesson=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    member = policy.member_for(user) if user is not None else None
    quizzes = list(course_quizzes_for(page, lesson))
    passed = set(member_passes(member).filter(quiz__in=quizzes).values_list("quiz_id", flat=True)) if member else set()
    for quiz in quizzes:
        quiz.my_passed = quiz.pk in passed
    return {
        "quizzes": quizzes,
        "is_member": member is not None,
        "lesson": lesson,
        # Shown only inside the quiz section, which a course without quizzes does not render:
        # then its four queries are not made (most course pages have no quiz).
        "course_completed": course_completed(member, page)
        if quizzes and member is not None and lesson is None
        else None,
        "requires_quiz": any(q.required_for_completion for q in quizzes),
    }


def course_quizzes_for(course, lesson):
    qs = quizzes_of_course(course)
    return qs.filter(lesson=lesson) if lesson is not None else qs
