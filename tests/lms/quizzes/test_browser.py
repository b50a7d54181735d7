"""A member on a phone fails a quiz, sees which answers were right, tries again and passes — the
course, whose quiz is required, then counts as complete. Debian's Chromium (the session
`browser` fixture), the real login form, a live server."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import StudyProgress
from lms.quizzes.models import Attempt
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.quizzes import make_quiz, right_answers, wrong_answers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.VAR_DIR) / "screenshots"


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _answer(page, answers: dict) -> None:
    for question_id, option_ids in answers.items():
        for option_id in option_ids:
            page.check(f"input[name='q-{question_id}'][value='{option_id}']")


def test_member_fails_then_passes_a_quiz_on_a_phone(roles, phone, live_server):
    course = make_course(make_index(), title="集体学习党章", school=roles.tree.town_a)
    lesson = make_lesson(course, title="党员的义务和权利")
    StudyProgress.objects.create(member=roles.member_a, lesson=lesson, watched_seconds=100, completed_at=timezone.now())
    quiz = make_quiz(course, questions=3, title="党章党规年度测试", required=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = phone
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "member_a")
    page.fill("input[name=password]", "Test@12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}{course.url}")
    page.click("text=党章党规年度测试")
    page.click("#quiz-start")
    page.wait_for_selector("#quiz-form")
    assert "正确答案" not in page.content()
    page.screenshot(path=SHOTS / "quiz-answering-phone.png", full_page=True)
    attempt = Attempt.objects.get(member=roles.member_a, quiz=quiz, submitted_at__isnull=True)
    _answer(page, wrong_answers(attempt))
    page.click("#quiz-submit")
    result = page.locator("#quiz-result")
    result.wait_for()
    assert "未通过" in result.inner_text() and "0/3" in result.inner_text()
    assert "正确答案" in page.content()  # shown now, for this attempt only
    page.screenshot(path=SHOTS / "quiz-failed-phone.png", full_page=True)

    page.click("#quiz-retry")
    page.wait_for_selector("#quiz-form")
    second = Attempt.objects.get(member=roles.member_a, quiz=quiz, submitted_at__isnull=True)
    assert second.pk != attempt.pk
    _answer(page, right_answers(second))
    page.click("#quiz-submit")
    page.locator("#quiz-result").wait_for()
    assert "通过" in page.locator("#quiz-result").inner_text()
    assert "3/3" in page.locator("#quiz-result").inner_text()
    assert "本课程已学完" in page.content()
    page.screenshot(path=SHOTS / "quiz-passed-phone.png", full_page=True)
    # the page fits the phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
