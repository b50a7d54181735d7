import pytest

from lms.quizzes.models import Question, Quiz
from lms.quizzes.services import attempt_start, attempt_submit
from tests.factories.courses import make_course, make_index
from tests.factories.quizzes import make_quiz, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_quizzes(roles):
    index = make_index()
    a = make_quiz(make_course(index, title="甲镇课程", school=roles.tree.town_a), title="甲镇测验")
    b = make_quiz(make_course(index, title="乙镇课程", school=roles.tree.town_b), title="乙镇测验")
    return a, b


def test_school_editors_see_and_edit_only_their_courses_quizzes(roles, two_quizzes, login):
    a, b = two_quizzes
    client = login(roles.town_a_staff)
    listing = client.get("/admin/snippets/quizzes/quiz/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "甲镇测验" in html and "乙镇测验" not in html
    assert client.get(f"/admin/snippets/quizzes/quiz/edit/{a.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/quizzes/quiz/edit/{b.pk}/").status_code == 404
    response = client.post(f"/admin/snippets/quizzes/quiz/edit/{b.pk}/", {"title": "已被篡改"})
    assert response.status_code == 404
    assert Quiz.objects.get(pk=b.pk).title == "乙镇测验"
    questions = client.get("/admin/snippets/quizzes/question/").content.decode()
    b_question = Question.objects.filter(course=b.course).first()
    assert client.get(f"/admin/snippets/quizzes/question/edit/{b_question.pk}/").status_code == 404
    assert str(b_question) not in questions or str(b_question) in str(Question.objects.filter(course=a.course))


def test_an_editor_cannot_add_a_quiz_to_another_schools_course(roles, two_quizzes, login):
    a, b = two_quizzes
    client = login(roles.town_a_staff)
    form = client.get("/admin/snippets/quizzes/quiz/add/").content.decode()
    assert "甲镇课程" in form and "乙镇课程" not in form
    data = {"title": "偷建测验", "course": b.course.pk, "question_count": 3, "pass_percent": 60, "is_active": "on"}
    client.post("/admin/snippets/quizzes/quiz/add/", data)
    assert not Quiz.objects.filter(title="偷建测验").exists()
    data["course"] = a.course.pk
    response = client.post("/admin/snippets/quizzes/quiz/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Quiz.objects.filter(title="偷建测验", course=a.course).exists()


def test_an_editor_adds_a_question_with_options(roles, two_quizzes, login):
    a, _ = two_quizzes
    client = login(roles.town_a_staff)
    data = {
        "course": a.course.pk,
        "kind": "single",
        "text": "党的最高理想和最终目标是什么？",
        "explanation": "",
        "is_active": "on",
        "options-TOTAL_FORMS": "2",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "2",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-text": "实现共产主义",
        "options-0-is_correct": "on",
        "options-0-ORDER": "1",
        "options-0-id": "",
        "options-0-DELETE": "",
        "options-1-text": "发家致富",
        "options-1-ORDER": "2",
        "options-1-id": "",
        "options-1-DELETE": "",
    }
    response = client.post("/admin/snippets/quizzes/question/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(text="党的最高理想和最终目标是什么？")
    assert list(question.options.values_list("text", "is_correct")) == [("实现共产主义", True), ("发家致富", False)]
    data["text"] = "两个正确答案的单选题"
    data["options-1-is_correct"] = "on"
    response = client.post("/admin/snippets/quizzes/question/add/", data)
    assert response.status_code == 200 and "恰好有一个正确答案" in response.content.decode()
    assert not Question.objects.filter(text="两个正确答案的单选题").exists()


def test_attempts_are_read_only_and_scoped(roles, two_quizzes, login):
    a, _ = two_quizzes
    attempt = attempt_start(user=roles.member_a_user, quiz=a)
    attempt_submit(user=roles.member_a_user, attempt_id=attempt.pk, answers=wrong_answers(attempt))
    own = login(roles.town_a_staff)
    assert "甲党员" in own.get("/admin/snippets/quizzes/attempt/").content.decode()
    assert own.get(f"/admin/snippets/quizzes/attempt/edit/{attempt.pk}/").status_code in (302, 403, 404)
    other = login(roles.town_b_staff)
    assert "甲党员" not in other.get("/admin/snippets/quizzes/attempt/").content.decode()
    assert other.get(f"/admin/snippets/quizzes/attempt/inspect/{attempt.pk}/").status_code == 404


def test_members_have_no_quiz_admin(roles, two_quizzes, login):
    a, _ = two_quizzes
    client = login(roles.member_a_user)
    assert client.get("/admin/snippets/quizzes/quiz/").status_code in (302, 403)
    assert client.get(f"/admin/snippets/quizzes/quiz/edit/{a.pk}/").status_code in (302, 403)
