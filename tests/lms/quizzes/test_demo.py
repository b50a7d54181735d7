import pytest

from lms.quizzes.demo import ANNUAL_QUIZ_TITLE, BANK, quizzes_demo
from lms.quizzes.models import Question, Quiz
from lms.quizzes.services import _options_check, attempt_start, attempt_submit
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.quizzes import right_answers

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self):
        self.lines = []

    def log(self, line):
        self.lines.append(line)


def test_demo_quizzes_are_well_formed_and_passable(roles):
    course = make_course(make_index(), title="集体学习党章")
    make_lesson(course, title="党员的义务和权利")
    quizzes_demo(Ctx())
    quizzes_demo(Ctx())  # idempotent
    assert Question.objects.filter(course=course).count() == len(BANK)
    for question in Question.objects.prefetch_related("options"):
        _options_check(question.kind, list(question.options.all()))
    annual = Quiz.objects.get(title=ANNUAL_QUIZ_TITLE)
    assert annual.required_for_completion and Quiz.objects.count() == 2
    for quiz in Quiz.objects.all():
        attempt = attempt_start(user=roles.member_a_user, quiz=quiz)
        assert len(attempt.draw) == quiz.question_count
        assert attempt_submit(
            user=roles.member_a_user, attempt_id=attempt.pk, answers=right_answers(attempt)
        ).attempt.passed


def test_without_the_course_the_demo_adds_nothing(db):
    ctx = Ctx()
    quizzes_demo(ctx)
    assert not Quiz.objects.exists() and ctx.lines
