"""Browser flows of the training workspace: school staff build a class from the 5+1+N
template, add a teaching-point visit, book the leader lecture's teacher with the searchable
picker, publish, enrol (a bad member number is reported and the input kept), open the sign-in
screen; a member signs in on a phone (390×844) and staff see them in the roll call."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from lms.training.models import Attendance, TrainingClass
from teachers.models import Teacher
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: F401 - same browser setup
from tests.factories import TeachingPointFactory
from tests.factories.training import roster_teacher

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENS.mkdir(parents=True, exist_ok=True)


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_staff_builds_class_and_member_signs_in(roles, browser, page, live_server, browser_login):
    TeachingPointFactory(school=roles.tree.town_a, name="甲镇红色村史馆")
    TeachingPointFactory(school=roles.tree.town_b, name="乙镇廉政教育基地")
    today = timezone.localdate()

    # School staff: new class from the template.
    browser_login(page, "staff_a")
    page.goto(f"{live_server.url}/training/classes/new/")
    page.fill("input[name=title]", "甲镇党员集中培训班")
    page.select_option("select[name=school]", label="甲镇党校")
    page.check("input[name=audiences][value=ordinary]")
    page.fill("input[name=start_date]", today.isoformat())
    page.fill("input[name=end_date]", today.isoformat())
    page.fill("input[name=capacity]", "30")
    assert page.is_checked("input[name=from_template]")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#sessions")
    table = page.inner_text("#sessions")
    for item in ["签到", "奏唱国歌或国际歌", "重温入党誓词", "集体学习党章", "领导讲课"]:
        assert item in table
    assert "至少需要一次基层教学点现场教学" in page.inner_text("#compliance")

    # Publishing is refused until a teaching-point visit is added.
    page.click("text=发布班次")
    assert "不能发布：领导讲课尚未安排领导干部讲师；至少需要一次基层教学点现场教学" in page.inner_text("main")

    page.click("text=添加基层教学点现场教学")
    # Open now, inside today's local date (the class is one day): late in the evening the
    # visit ends at 23:59 instead of running past midnight, out of the class's dates.
    now = timezone.now()
    day_start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    day_end = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 59)))
    page.fill("input[name=starts_at]", _local(max(now - dt.timedelta(minutes=10), day_start)))
    page.fill("input[name=ends_at]", _local(min(now + dt.timedelta(minutes=80), day_end)))
    options = page.locator("select[name=teaching_point] option").all_inner_texts()
    assert "乙镇廉政教育基地" not in " ".join(options)  # a town school sees only its own points
    page.select_option("select[name=teaching_point]", label="甲镇红色村史馆")
    page.click("text=保存课次")
    page.wait_for_selector("#sessions")
    assert "甲镇红色村史馆" in page.inner_text("#sessions")
    assert "领导讲课尚未安排领导干部讲师" in page.inner_text("#compliance")

    # Book the lecture's teacher with the picker: two 王建国 in the pool, told apart.
    leader = roster_teacher(today.year, name="王建国")
    Teacher.objects.filter(pk=leader.pk).update(unit="县委组织部")
    expert = roster_teacher(today.year, name="王建国")
    Teacher.objects.filter(pk=expert.pk).update(kind="expert", unit="市委党校")
    c = TrainingClass.objects.get(title="甲镇党员集中培训班")
    lecture = c.sessions.get(kind="leader_lecture")
    page.goto(f"{live_server.url}/training/sessions/{lecture.pk}/edit/")
    page.wait_for_selector("#teacher-results li")
    page.fill("#teacher-search", "王建国")
    items = page.locator("#teacher-results li")
    assert items.count() == 2
    listing = page.inner_text("#teacher-results")
    assert "领导干部" in listing and "专家教授" in listing and "同名" in listing and "县委组织部" in listing
    assert "该项目须由领导干部类讲师讲授" in listing  # the expert is shown as not fitting
    page.locator(f"#teacher-results li[data-id='{leader.pk}'] button").click()
    assert "王建国（领导干部" in page.inner_text("#teacher-chosen")
    page.screenshot(path=str(SCREENS / "teacher-picker-phone.png"), full_page=True)
    page.click("text=保存课次")
    page.wait_for_selector("#sessions")
    assert "符合“5+1+N”" in page.inner_text("#compliance")
    page.click("text=发布班次")
    page.wait_for_selector("text=班次已发布。")
    assert page.inner_text("#class-status") == "已发布"
    c = TrainingClass.objects.get(title="甲镇党员集中培训班")
    assert c.status == "published" and c.is_compliant

    # Enrol member A from the suggested list; a mistyped number is named and nothing is lost.
    page.click("text=报名学员 / 推荐名单")
    page.check(f"input[name=member][value='{roles.member_a.pk}']")
    page.fill("textarea[name=member_nos]", "X0000000")
    page.click("text=报名所选")
    page.wait_for_selector("#enrol-errors")
    assert "第1行：党员编号“X0000000”不存在" in page.inner_text("#enrol-errors")
    assert page.is_checked(f"input[name=member][value='{roles.member_a.pk}']")
    assert page.input_value("textarea[name=member_nos]") == "X0000000"
    page.fill("textarea[name=member_nos]", "")
    page.click("text=报名所选")
    page.wait_for_selector("text=已报名1人。")

    # The projector page of the visit shows a QR code and a link with the rotating token.
    visit = c.sessions.get(kind="teaching_point")
    page.goto(f"{live_server.url}/training/sessions/{visit.pk}/signin/")
    assert page.locator("#qr svg").count() == 1
    assert len(page.inner_text("#code").strip()) == 6
    link = page.get_attribute("#link", "href")
    assert "/training/s/" in link

    # The member opens the link on their phone (own browser context) and is marked present.
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.set_default_timeout(15000)
    try:
        phone.goto(link)  # not logged in yet → login, then back to the link
        phone.fill("input[name=username]", "member_a")
        phone.fill("input[name=password]", "Test@12345")
        phone.click("button[type=submit]")
        phone.wait_for_selector("#signin-result")
        assert "签到成功" in phone.inner_text("#signin-result")
        phone.goto(link)
        assert "您已签到过" in phone.inner_text("#signin-result")
    finally:
        context.close()
    assert Attendance.objects.filter(session=visit, member=roles.member_a, present=True).count() == 1

    # The projector page counts the member as present after its next refresh.
    page.reload()
    assert page.inner_text("#present") == "1"
    assert "一天只需签到一次" in page.inner_text("#day-note")

    # Roll call shows the member as present; saving without changes changes nobody.
    page.goto(f"{live_server.url}/training/sessions/{visit.pk}/roll-call/")
    assert page.is_checked(f"input[name=present][value='{roles.member_a.pk}']")
    page.click("text=保存点名")
    page.wait_for_selector("text=点名已保存，变更0人。")
    page.screenshot(path=str(SCREENS / "roll-call-phone.png"), full_page=True)
