"""网上展厅 on a phone (390×844): a member opens the gallery from the menu, filters by category,
searches, and opens a teaching point with its photos, introduction, classes and booking.
Screenshots: var/…/screenshots/pwa/ (LMS_VAR_DIR)."""

import datetime as dt
import random
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from lms.schools.demo import exhibition_demo_fill
from lms.training.models import ClassSession, TrainingClass
from tests.e2e.ui import nav_click
from tests.factories.foundation import TeachingPointFactory
from tests.factories.training import ClassFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = Path(django_settings.VAR_DIR) / "screenshots" / "pwa"


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def test_member_browses_the_exhibition_on_a_phone(roles, served_media, page, live_server, browser_login):
    t = roles.tree
    memorial = TeachingPointFactory(name="甲镇革命纪念馆", school=t.town_a, category="party_spirit")
    TeachingPointFactory(name="甲镇温室蔬菜大棚示范村", school=t.town_a, category="model_village")
    TeachingPointFactory(name="乙镇禁毒教育基地", school=t.town_b, category="warning")
    TeachingPointFactory(name="乙镇电商直播实训基地", school=t.town_b, category="practical")
    exhibition_demo_fill(rng=random.Random(3))
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=20)
    used = ClassFactory(title="甲镇党员冬训班", school=t.town_a, status=TrainingClass.Status.PUBLISHED)
    SessionFactory(
        training_class=used,
        kind=ClassSession.Kind.TEACHING_POINT,
        teaching_point=memorial,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )

    browser_login(page, "member_b")
    nav_click(page, "网上展厅")
    page.wait_for_selector("#exhibition-count")
    assert "共 4 个教学点" in page.inner_text("#exhibition-count")
    thumbs = page.locator("img.exhibition-thumb")
    assert thumbs.count() == 4
    assert thumbs.first.get_attribute("loading") == "lazy"  # weak networks: only what is looked at
    for i in range(4):  # the member scrolls down the gallery
        thumbs.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbs.nth(i).element_handle())
    assert thumbs.evaluate_all("all => all.every(i => i.complete && i.naturalWidth > 0)")
    page.evaluate("window.scrollTo(0, 0)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
    shot(page, "10-exhibition-gallery")

    page.click(".category-chips >> text=警示教育")
    page.wait_for_url("**category=warning**")
    assert "共 1 个教学点" in page.inner_text("#exhibition-count")
    page.fill("#ex-q", "纪念馆")
    page.select_option("#ex-category", "")
    page.click(".exhibition-search button[type=submit]")
    page.wait_for_url("**q=**")
    assert "共 1 个教学点" in page.inner_text("#exhibition-count")
    shot(page, "11-exhibition-search")

    page.click("text=甲镇革命纪念馆")
    page.wait_for_selector("#point-category")
    assert page.inner_text("#point-category") == "党性教育"
    body = page.inner_text("main")
    for text in ("简介", "看点", "位置与开放", "如何预约", "甲镇党员冬训班", "预约联系人"):
        assert text in body, text
    assert page.locator(".exhibition-photos img").count() == 2
    page.wait_for_function(
        "[...document.querySelectorAll('.exhibition-photos img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "12-teaching-point")
