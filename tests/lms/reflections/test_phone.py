"""On a phone (390×844): a member sees their points; the branch secretary returns and then
approves a reflection through the pages; the member's points go up. Screenshots under var/."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from lms.points.models import PointKind
from lms.points.services import Fact, points_award
from lms.reflections.models import Reflection
from lms.reflections.services import reflection_submit

from .conftest import BODY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Test@12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_secretary_reviews_and_member_sees_points_on_a_phone(world, phone, live_server):
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    m = world.roles.member_a
    day = dt.date.today()
    points_award(
        fact=Fact(m.pk, PointKind.CREDITED_DAY, day, f"credited_day:{m.pk}:{day}", "参加集中培训“甲镇党员冬训班”")
    )
    r = reflection_submit(member=m, training_class=world.cls, title="冬训心得", body=BODY)

    _login(phone, live_server, "sec_a")
    assert phone.get_by_test_id("pending-reflections").inner_text() == "1"
    phone.click("text=去审核")
    phone.click("text=冬训心得")
    phone.check("input[value=return]")
    phone.click("button:has-text('提交审核结果')")
    assert "退回时请填写审核意见" in phone.content()  # nothing stored
    assert Reflection.objects.get(pk=r.pk).status == "pending"
    phone.check("input[value=approve]")
    phone.fill("textarea[name=comment]", "体会深刻")
    phone.screenshot(path=str(shots / "reflection-review-phone.png"), full_page=True)
    phone.click("button:has-text('提交审核结果')")
    phone.wait_for_url(f"{live_server.url}/reflections/review/")
    assert Reflection.objects.get(pk=r.pk).status == "approved"

    phone.context.clear_cookies()
    _login(phone, live_server, "member_a")
    phone.goto(f"{live_server.url}/points/me/")
    assert phone.get_by_test_id("points-total").inner_text() == "10"
    assert "学习心得《冬训心得》通过审核" in phone.content()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    phone.screenshot(path=str(shots / "points-me-phone.png"), full_page=True)
