"""Issue #17 acceptance, in Debian's Chromium against a live server: on a phone a member fails a
course quiz and then passes it (no answer reaches the browser before submission), the course
counts as complete, the member sees their points, their 学习档案 and the certificate, and opens
the certificate's public verification page; the member writes a 学习心得 and the branch
secretary approves it; the department prints the branch's archives (the Celery job, eager in
tests) and downloads the zip, whose PDFs carry the member's name and the class title as text.
Screenshots under VAR_DIR/screenshots/records/."""

import io
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import StudyProgress
from lms.points.models import PointEntry, PointKind
from lms.points.selectors import member_points_total
from lms.quizzes.models import Attempt
from lms.records.models import ArchiveJob, Certificate
from lms.records.services import class_certificates_issue
from lms.reflections.models import Reflection
from tests.e2e.ui import nav_click
from tests.factories import MemberFactory, UserFactory
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.quizzes import EXPLANATION_MARK, make_quiz, right_answers, wrong_answers
from tests.factories.records import closed_class

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "records"
CLASS_TITLE = "2026年党支部书记示范培训班"
COURSE_TITLE = "集体学习党章"
REFLECTION = "学习党章，就是要把党章的要求落实到支部工作和日常言行的每一个细节之中。" * 2


def _pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True
        ).stdout.decode()


def _fits_the_phone(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: {width}px wide on a 390px phone"


def _answer(page, answers: dict) -> None:
    for question_id, option_ids in answers.items():
        for option_id in option_ids:
            page.check(f"input[name='q-{question_id}'][value='{option_id}']")


@pytest.fixture
def phone(browser):
    """The e2e `page` phone, with service workers blocked: the site's worker (lms.pwa) would
    answer navigations itself, out of reach of the page.route that reads every response."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def world(roles):
    """Member 张三明 of branch A attended a class that has closed (its certificates issued, as the
    closing job does) and studied every lesson of a course whose quiz must be passed; the branch
    has a secretary and two more members."""
    member = roles.member_a
    member.name = "张三明"
    member.save(update_fields=["name"])
    cc = closed_class(school=roles.tree.town_a, full=[member], title=CLASS_TITLE)
    class_certificates_issue(training_class=cc.training_class)
    course = make_course(make_index(), title=COURSE_TITLE, school=roles.tree.town_a)
    lesson = make_lesson(course, title="党员的义务和权利")
    StudyProgress.objects.create(member=member, lesson=lesson, watched_seconds=100, completed_at=timezone.now())
    quiz = make_quiz(course, questions=3, title="党章党规年度测试", required=True)
    MemberFactory(
        branch=roles.tree.branch_a, user=UserFactory(username="sec_a"), name="李书记", is_branch_secretary=True
    )
    MemberFactory(branch=roles.tree.branch_a, name="王小红")
    return type("World", (), {"member": member, "course": course, "quiz": quiz, "training_class": cc.training_class})


def test_learning_record_end_to_end(world, roles, phone, live_server, browser_login):
    page = phone

    def as_user(username: str) -> None:
        page.context.clear_cookies()
        browser_login(page, username)

    SHOTS.mkdir(parents=True, exist_ok=True)
    member, quiz = world.member, world.quiz
    bodies = []  # every page and API answer the browser received, read as it arrives

    def keep(route):
        if route.request.resource_type not in {"document", "xhr", "fetch"}:
            return route.continue_()
        response = route.fetch(max_redirects=0)
        bodies.append((route.request.url, response.text()))
        route.fulfill(response=response)

    as_user("member_a")
    page.route("**/*", keep)
    page.goto(f"{live_server.url}{world.course.url}")
    assert "结课须通过" in page.content()
    page.click("text=党章党规年度测试")
    page.click("#quiz-start")
    page.wait_for_selector("#quiz-form")
    _fits_the_phone(page, "quiz-answering")
    page.unroute("**/*", keep)
    assert len(bodies) >= 3  # the course page, the quiz page, the attempt page
    for url, body in bodies:
        assert EXPLANATION_MARK not in body and "正确答案" not in body and "is_correct" not in body, url

    attempt = Attempt.objects.get(member=member, quiz=quiz, submitted_at__isnull=True)
    _answer(page, wrong_answers(attempt))
    page.click("#quiz-submit")
    result = page.locator("#quiz-result")
    result.wait_for()
    assert "未通过" in result.inner_text() and "0/3" in result.inner_text()
    assert "正确答案" in page.content()  # shown now, for this attempt only
    _fits_the_phone(page, "quiz-failed")

    page.click("#quiz-retry")
    page.wait_for_selector("#quiz-form")
    second = Attempt.objects.get(member=member, quiz=quiz, submitted_at__isnull=True)
    _answer(page, right_answers(second))
    page.click("#quiz-submit")
    page.locator("#quiz-result").wait_for()
    assert "3/3" in page.locator("#quiz-result").inner_text() and "通过" in page.locator("#quiz-result").inner_text()
    assert "本课程已学完" in page.content()
    _fits_the_phone(page, "quiz-passed")

    # --- points: the home panel and the ledger -------------------------------------------------
    year = timezone.localdate().year
    total = member_points_total(member, year)
    quiz_entry = PointEntry.objects.get(member=member, kind=PointKind.QUIZ_PASSED)
    assert quiz_entry.points > 0 and total >= quiz_entry.points
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("panel-points").inner_text() == str(total)
    page.click("text=积分明细")
    page.wait_for_url("**/points/me/")
    assert page.get_by_test_id("points-total").inner_text() == str(total)
    assert quiz_entry.reason in page.content()
    _fits_the_phone(page, "points")

    # --- 学习档案 and the certificates: the class's, and the course's issued on opening ---------
    nav_click(page, "学习档案")
    page.wait_for_url("**/records/me/")
    archive = page.content()
    assert CLASS_TITLE in archive and "张三明" in archive
    assert page.locator(f"section.year[data-year='{year}'] [data-field=points]").inner_text() == str(total)
    _fits_the_phone(page, "archive")
    page.click("text=我的证书")
    page.wait_for_url("**/records/certificates/")
    course_cert = Certificate.objects.get(member=member, course=world.course)
    assert Certificate.objects.filter(member=member, training_class=world.training_class).exists()
    card = page.locator(f".certificate[data-code='{course_cert.code}']")
    assert COURSE_TITLE in card.inner_text() and "有效" in card.inner_text()
    assert CLASS_TITLE in page.content()
    _fits_the_phone(page, "certificates")
    with page.expect_download() as info:
        card.locator("text=下载证书PDF").click()
    text = _pdf_text(Path(info.value.path()).read_bytes())
    assert "张三明" in text and COURSE_TITLE in text and course_cert.code in text

    # --- the public verification page, with nobody logged in ----------------------------------
    verify_url = card.locator("text=公开验证页").get_attribute("href")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{verify_url}")
    verified = page.locator(".verify")
    assert verified.get_attribute("data-status") == "valid"
    assert "证书有效" in verified.inner_text() and "张*明" in verified.inner_text()
    assert "张三明" not in page.content() and COURSE_TITLE in verified.inner_text()
    _fits_the_phone(page, "verify")

    # --- a 学习心得 about the course; the branch secretary approves it --------------------------
    as_user("member_a")
    nav_click(page, "学习心得")
    page.click(f"text=课程：{COURSE_TITLE}")
    page.fill("input[name=title]", "学党章的体会")
    page.fill("textarea[name=body]", REFLECTION)
    _fits_the_phone(page, "reflection-write")
    page.click("button:has-text('提交心得')")
    assert "等待支部书记审核" in page.content()
    reflection = Reflection.objects.get(member=member)
    assert reflection.status == "pending"

    as_user("sec_a")
    assert page.get_by_test_id("pending-reflections").inner_text() == "1"
    page.click("text=去审核")
    page.click("text=学党章的体会")
    page.check("input[value=approve]")
    page.fill("textarea[name=comment]", "联系实际，体会深刻")
    _fits_the_phone(page, "reflection-review")
    page.click("button:has-text('提交审核结果')")
    page.wait_for_url("**/reflections/review/")
    reflection.refresh_from_db()
    assert reflection.status == "approved"
    assert PointEntry.objects.filter(member=member, kind=PointKind.REFLECTION_APPROVED).count() == 1

    # --- the department prints branch A's archives and downloads the zip ------------------------
    as_user("dept")
    nav_click(page, "档案打印")
    page.wait_for_url("**/records/print/")
    row = page.locator(f"tr[data-branch='{roles.tree.branch_a.pk}']")
    _fits_the_phone(page, "print-centre")
    row.locator("button:has-text('打印本支部档案')").click()
    page.wait_for_url("**/records/jobs/*/")
    page.locator("#job-download").wait_for()  # the job page polls until the job is done
    job = ArchiveJob.objects.get(branch=roles.tree.branch_a)
    assert job.status == "done" and job.done == job.total == 3
    assert "100%（3 / 3 人）" in page.locator("#job-progress").inner_text()
    _fits_the_phone(page, "print-job")
    with page.expect_download() as info:
        page.click("text=下载压缩包")
    assert info.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as zf:
        pdfs = [n for n in zf.namelist() if n.endswith(".pdf")]
        assert len(pdfs) == 3 and any(n.endswith("档案汇总.xlsx") for n in zf.namelist())
        assert {"张三明", "李书记", "王小红"} <= {
            name for n in pdfs for name in ("张三明", "李书记", "王小红") if name in n
        }
        text = _pdf_text(zf.read(next(n for n in pdfs if "张三明" in n)))
    assert "张三明" in text and CLASS_TITLE in text and COURSE_TITLE in text
