import pytest

from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.quizzes import make_quiz


@pytest.fixture
def course_a(roles):
    """Town A's course with one lesson and a required quiz of three questions (one of each kind)."""
    course = make_course(make_index(), title="甲镇党章党规课", school=roles.tree.town_a)
    make_lesson(course, title="甲镇第一讲")
    return course


@pytest.fixture
def quiz_a(course_a):
    return make_quiz(course_a, questions=3, pass_percent=60, required=True, title="党章党规测验")
