import re

import pytest
from django.utils import timezone

from courses.models import StudyProgress
from courses.selectors import course_completed, course_is_complete
from lms.quizzes.models import Attempt
from tests.factories.quizzes import EXPLANATION_MARK, make_quiz, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


def _post_answers(attempt, answers) -> dict:
    return {f"q-{q}": options for q, options in answers.items()}


def _answer_free(html: str) -> None:
    assert EXPLANATION_MARK not in html
    assert "正确答案" not in html and "correct" not in html


def test_course_and_lesson_pages_show_the_quiz_without_answers(roles, quiz_a, course_a, login):
    client = login(roles.member_a_user)
    html = client.get(course_a.url).content.decode()
    assert "党章党规测验" in html and "结课须通过" in html and f"/quizzes/{quiz_a.pk}/" in html
    _answer_free(html)
    html = client.get(f"/quizzes/{quiz_a.pk}/").content.decode()
    assert "开始答题" in html
    _answer_free(html)


def test_the_attempt_page_carries_no_answers(roles, quiz_a, login):
    client = login(roles.member_a_user)
    response = client.post(f"/quizzes/{quiz_a.pk}/start/")
    assert response.status_code == 302
    attempt = Attempt.objects.get(member=roles.member_a)
    html = client.get(response["Location"]).content.decode()
    _answer_free(html)
    # every option is rendered the same way; the correct ones are not marked in any attribute
    options = re.findall(r'<label class="quiz-option"><input type="(\w+)" name="q-(\d+)" value="(\d+)">', html)
    assert len(options) == sum(len(o) for _, o in attempt.draw)


def test_wrong_then_right_on_the_site(roles, quiz_a, course_a, login):
    client = login(roles.member_a_user)
    client.post(f"/quizzes/{quiz_a.pk}/start/")
    attempt = Attempt.objects.get(member=roles.member_a)
    response = client.post(f"/quizzes/attempts/{attempt.pk}/", _post_answers(attempt, wrong_answers(attempt)))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "未通过" in html and "正确答案" in html and EXPLANATION_MARK in html
    client.post(f"/quizzes/{quiz_a.pk}/start/")
    second = Attempt.objects.filter(member=roles.member_a, submitted_at__isnull=True).get()
    client.post(f"/quizzes/attempts/{second.pk}/", _post_answers(second, right_answers(second)))
    second.refresh_from_db()
    assert second.passed
    assert "✓ 已通过" in client.get(course_a.url).content.decode()


def test_a_forged_form_keeps_the_attempt_open_with_a_chinese_error(roles, quiz_a, login):
    client = login(roles.member_a_user)
    client.post(f"/quizzes/{quiz_a.pk}/start/")
    attempt = Attempt.objects.get(member=roles.member_a)
    response = client.post(f"/quizzes/attempts/{attempt.pk}/", {"q-999999": "1"})
    assert response.status_code == 400
    assert "不属于本次答题" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_staff_get_a_chinese_refusal(roles, quiz_a, login):
    response = login(roles.town_a_staff).get(f"/quizzes/{quiz_a.pk}/")
    assert response.status_code == 403 and "测验仅对党员开放" in response.content.decode()


def test_course_completion_rule():
    assert course_is_complete(lessons_total=2, lessons_completed=2, quiz_required=False, quiz_passed=False)
    assert not course_is_complete(lessons_total=2, lessons_completed=2, quiz_required=True, quiz_passed=False)
    assert course_is_complete(lessons_total=2, lessons_completed=2, quiz_required=True, quiz_passed=True)
    assert not course_is_complete(lessons_total=2, lessons_completed=1, quiz_required=True, quiz_passed=True)
    assert not course_is_complete(lessons_total=0, lessons_completed=0, quiz_required=False, quiz_passed=False)


def test_a_flagged_course_needs_the_pass_to_be_complete(roles, quiz_a, course_a):
    from lms.quizzes.services import attempt_start, attempt_submit

    member = roles.member_a
    lesson = course_a.get_children().first()
    StudyProgress.objects.create(member=member, lesson_id=lesson.pk, watched_seconds=100, completed_at=timezone.now())
    assert not course_completed(member, course_a)
    attempt = attempt_start(user=roles.member_a_user, quiz=quiz_a)
    attempt_submit(user=roles.member_a_user, attempt_id=attempt.pk, answers=wrong_answers(attempt))
    assert not course_completed(member, course_a)
    attempt = attempt_start(user=roles.member_a_user, quiz=quiz_a)
    attempt_submit(user=roles.member_a_user, attempt_id=attempt.pk, answers=right_answers(attempt))
    assert course_completed(member, course_a)
    assert not course_completed(roles.member_b, course_a)


def test_without_the_flag_lessons_are_enough(roles, course_a):
    make_quiz(course_a, required=False)
    lesson = course_a.get_children().first()
    StudyProgress.objects.create(
        member=roles.member_a, lesson_id=lesson.pk, watched_seconds=100, completed_at=timezone.now()
    )
    assert course_completed(roles.member_a, course_a)


def test_course_completion_is_worked_out_only_where_the_quiz_section_shows_it(roles, course_a, login, monkeypatch):
    """The completion line lives in the quiz section: a course page without quizzes does not pay
    the completion queries; with a quiz it shows the line."""
    from lms.quizzes.templatetags import quizzes_tags

    calls = []

    def counting(member, course):
        calls.append(course.pk)
        return course_completed(member, course)

    monkeypatch.setattr(quizzes_tags, "course_completed", counting)
    client = login(roles.member_a_user)
    html = client.get(course_a.url).content.decode()
    assert calls == [] and "course-completion" not in html
    make_quiz(course_a, questions=1, pass_percent=60, required=True, title="结课测验")
    html = client.get(course_a.url).content.decode()
    assert calls == [course_a.pk] and "course-completion" in html and "并通过测验" in html
