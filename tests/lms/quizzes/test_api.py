import json
import re

import pytest
from django.contrib.auth.models import Group
from wagtail.models import PageViewRestriction

from lms.quizzes.models import Attempt, QuizPass
from tests.factories.quizzes import EXPLANATION_MARK, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


def _keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def _no_answers(response):
    """Nothing in a response before submission tells a correct option from a wrong one."""
    body = response.content.decode()
    data = response.json()
    assert not {"correct", "is_correct", "right", "explanation"} & _keys(data), _keys(data)
    assert EXPLANATION_MARK not in body
    assert "is_correct" not in body and "correct" not in body
    return data


def test_no_answers_reach_the_client_before_submission(roles, quiz_a, login):
    client = login(roles.member_a_user)
    _no_answers(client.get("/api/v1/quizzes/"))
    _no_answers(client.get(f"/api/v1/quizzes/{quiz_a.pk}/"))
    started = client.post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/")
    assert started.status_code == 201
    data = _no_answers(started)
    assert data["result"] is None and len(data["questions"]) == 3
    for question in data["questions"]:
        assert all(set(option) == {"id", "text"} for option in question["options"])
    again = client.get(f"/api/v1/quiz-attempts/{data['id']}/")
    assert _no_answers(again)["questions"] == data["questions"]
    # the same member's other views say nothing either
    assert EXPLANATION_MARK not in client.get("/api/v1/me/progress/").content.decode()


def test_wrong_fails_right_passes_and_only_then_answers_are_shown(roles, quiz_a, login):
    client = login(roles.member_a_user)
    first = client.post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/").json()
    attempt = Attempt.objects.get(pk=first["id"])
    response = client.post(
        f"/api/v1/quiz-attempts/{attempt.pk}/submit/",
        {"answers": wrong_answers(attempt)},
        content_type="application/json",
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["passed"] is False and result["score"] == 0
    assert all(item["correct"] for item in result["items"])  # shown now, for this attempt
    assert EXPLANATION_MARK in response.content.decode()
    second = client.post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/").json()
    assert second["id"] != attempt.pk and second["result"] is None
    attempt2 = Attempt.objects.get(pk=second["id"])
    # the first attempt's result does not leak into the new one
    assert "correct" not in client.get(f"/api/v1/quiz-attempts/{attempt2.pk}/").content.decode()
    response = client.post(
        f"/api/v1/quiz-attempts/{attempt2.pk}/submit/",
        {"answers": right_answers(attempt2)},
        content_type="application/json",
    )
    assert response.json()["result"]["passed"] is True and response.json()["counted_now"] is True
    assert client.get(f"/api/v1/quizzes/{quiz_a.pk}/").json()["passed"] is True
    again = client.post(
        f"/api/v1/quiz-attempts/{attempt2.pk}/submit/",
        {"answers": wrong_answers(attempt2)},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["counted_now"] is False and again.json()["result"]["passed"]
    assert QuizPass.objects.filter(member=roles.member_a).count() == 1


def test_forged_question_ids_are_refused_in_chinese(roles, quiz_a, course_a, login):
    from tests.factories.quizzes import make_question

    extra = make_question(course_a)
    client = login(roles.member_a_user)
    data = client.post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/").json()
    correct = list(extra.options.filter(is_correct=True).values_list("pk", flat=True))
    drawn = {q["id"] for q in data["questions"]}
    assert extra.pk not in drawn or len(drawn) == 3
    forged = {str(extra.pk): correct} if extra.pk not in drawn else {"999999": [1]}
    response = client.post(
        f"/api/v1/quiz-attempts/{data['id']}/submit/", {"answers": forged}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "不属于本次答题" in response.json()["detail"]
    assert Attempt.objects.get(pk=data["id"]).submitted_at is None
    bad = client.post(
        f"/api/v1/quiz-attempts/{data['id']}/submit/", {"answers": {"1": ["x"]}}, content_type="application/json"
    )
    assert bad.status_code == 400


def test_another_members_attempt_is_not_found(roles, quiz_a, login):
    data = login(roles.member_a_user).post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/").json()
    client = login(roles.member_b_user)
    assert client.get(f"/api/v1/quiz-attempts/{data['id']}/").status_code == 404
    response = client.post(
        f"/api/v1/quiz-attempts/{data['id']}/submit/", {"answers": {}}, content_type="application/json"
    )
    assert response.status_code == 404
    assert Attempt.objects.get(pk=data["id"]).submitted_at is None


def test_a_restricted_course_quiz_is_hidden_from_another_towns_member(roles, quiz_a, course_a, login):
    group = Group.objects.create(name="甲镇党员")
    roles.member_a_user.groups.add(group)
    restriction = PageViewRestriction.objects.create(page=course_a, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(group)
    outsider = login(roles.member_b_user)
    assert outsider.get("/api/v1/quizzes/").json() == []
    assert outsider.get(f"/api/v1/quizzes/{quiz_a.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/").status_code == 404
    assert outsider.get(f"/quizzes/{quiz_a.pk}/").status_code == 404
    assert outsider.post(f"/quizzes/{quiz_a.pk}/start/").status_code == 404
    assert not Attempt.objects.exists()
    insider = login(roles.member_a_user)
    assert [q["id"] for q in insider.get("/api/v1/quizzes/").json()] == [quiz_a.pk]
    assert insider.post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/").status_code == 201


def test_an_unpublished_course_offers_no_quiz(roles, quiz_a, course_a, login):
    course_a.unpublish()
    client = login(roles.member_a_user)
    assert client.get(f"/api/v1/quizzes/{quiz_a.pk}/").status_code == 404
    assert client.post(f"/api/v1/quizzes/{quiz_a.pk}/attempts/").status_code == 404


def test_only_members_use_the_quiz_api(roles, quiz_a, client, login):
    assert client.get("/api/v1/quizzes/").status_code in (401, 403)
    for user in (roles.town_a_staff, roles.nobody):
        assert login(user).get("/api/v1/quizzes/").status_code == 403


def test_bad_course_filter_is_a_chinese_400(roles, login):
    response = login(roles.member_a_user).get("/api/v1/quizzes/?course=abc")
    assert response.status_code == 400
    assert re.search(r"[\u4e00-\u9fff]", json.dumps(response.json(), ensure_ascii=False))


def test_schema_lists_the_quiz_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/quizzes/",
        "/api/v1/quizzes/{id}/",
        "/api/v1/quizzes/{id}/attempts/",
        "/api/v1/quiz-attempts/{id}/",
        "/api/v1/quiz-attempts/{id}/submit/",
    ):
        assert path in paths, sorted(p for p in paths if "quiz" in p)
