"""The installable app on a phone (390×844) in Debian's Chromium: the manifest and service
worker make it installable and control the page; offline, the pages the member visited (my
progress, my classes, the lesson list) still show, read-only and marked "离线浏览，内容可能不是
最新"; heartbeats played while offline wait in the queue and are sent when the phone is back
online, credited within the server's wall-clock cap; signing out forgets all of it.

Screenshots: var/…/screenshots/pwa/ (LMS_VAR_DIR)."""

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from courses.models import StudyProgress
from lms.training.models import TrainingClass
from media.demo import demo_video_create
from tests.e2e.ui import logout
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.training import ClassFactory, SessionFactory, enrol

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = Path(django_settings.VAR_DIR) / "screenshots" / "pwa"
PLAYER = "document.getElementById('lesson-player')"
BANNER = "离线浏览，内容可能不是最新"


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, service_workers="allow"
    )
    page = context.new_page()
    page.set_default_timeout(30000)
    yield context, page
    context.close()


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def queued_seconds(page) -> float:
    raw = page.evaluate("localStorage.getItem('pso-heartbeats') || '{}'")
    total = 0.0
    for lessons in json.loads(raw).values():
        for entry in lessons.values():
            total += sum(end - start for start, end in entry["i"])
    return total


def test_installable_offline_pages_and_queued_heartbeats(roles, served_media, phone, live_server):
    context, page = phone
    video = demo_video_create(title="离线测试视频", seconds=12)
    assert video.is_ready, video.error
    course = make_course(make_index(), title="学习党章")
    lesson = make_lesson(course, title="党章的历史沿革", video=video)
    today = timezone.localdate()
    training = ClassFactory(
        title="甲镇党员冬训班",
        school=roles.tree.town_a,
        status=TrainingClass.Status.PUBLISHED,
        start_date=today,
        end_date=today + dt.timedelta(days=7),
    )
    SessionFactory(training_class=training, title="党章专题辅导", starts_at=timezone.now() + dt.timedelta(days=2))
    enrol(training, roles.member_a)
    base = live_server.url

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "member_a")
    page.fill("input[name=password]", "Test@12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    # --- installable, and the service worker controls the page --------------------------------
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{base}/"
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["name"] == "党校在线" and manifest["display"] == "standalone"
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's browser contexts are incognito-like; every other criterion must hold.
    errors = [e for e in errors if e["errorId"] != "in-incognito"]
    assert errors == [], errors
    shot(page, "01-home-online")

    # --- visit what should work offline (network-first: kept after each visit) ------------------
    for path in ("/progress/me/", "/training/my/", course.url):
        response = page.goto(f"{base}{path}")
        assert response.ok, path
    page.goto(f"{base}{lesson.url}")
    page.wait_for_function(f"{PLAYER}.dataset.ready === '1'")

    # --- play, then lose the network while the buffer keeps playing ---------------------------
    with page.expect_response(lambda r: "/heartbeat/" in r.url and r.request.method == "POST") as opened:
        page.evaluate(f"{PLAYER}.muted = true; {PLAYER}.play()")
    assert opened.value.ok
    page.wait_for_function(f"{PLAYER}.currentTime >= 2 && {PLAYER}.buffered.length && {PLAYER}.buffered.end(0) >= 11")
    with page.expect_response(lambda r: "/heartbeat/" in r.url and r.request.method == "POST") as paused:
        page.evaluate(f"{PLAYER}.pause()")
    assert paused.value.ok
    last_ok = time.monotonic()
    credited_online = StudyProgress.objects.get(member=roles.member_a, lesson=lesson).watched_seconds

    context.set_offline(True)
    page.wait_for_function("navigator.onLine === false")
    page.evaluate(f"{PLAYER}.play()")
    page.wait_for_function(f"{PLAYER}.currentTime >= 9", timeout=20000)
    page.evaluate(f"{PLAYER}.pause()")
    page.wait_for_function("window.PSOHeartbeatQueue.pending() > 0")
    offline_played = queued_seconds(page)
    assert offline_played >= 4
    page.wait_for_selector("#offline-banner")
    shot(page, "02-lesson-offline")

    # --- offline: the kept pages, read-only and marked ------------------------------------------
    for name, path, text in (
        ("03-progress-offline", "/progress/me/", None),
        ("04-classes-offline", "/training/my/", "甲镇党员冬训班"),
        ("05-lessons-offline", course.url, "党章的历史沿革"),
    ):
        page.goto(f"{base}{path}")
        banner = page.locator("#offline-banner")
        banner.wait_for()
        assert banner.inner_text().strip() == BANNER
        assert page.evaluate("document.documentElement.dataset.offline") == "1"
        if text:
            assert text in page.inner_text("main")
        assert page.locator("main form button:not([disabled])").count() == 0  # read-only
        shot(page, name)
    page.goto(f"{base}/teachers/")  # never visited: the offline page, not a browser error
    assert "当前离线" in page.inner_text("main")
    page.locator("#offline-pages a").nth(2).wait_for()  # listed from the cache, after the page shows
    shot(page, "06-offline-page")
    page.goto(f"{base}/training/my/")
    assert offline_played == pytest.approx(queued_seconds(page), abs=0.01)  # still waiting

    # --- back online: the queue goes to the same endpoint, the server's clock decides ------------
    with page.expect_response(lambda r: "/heartbeat/" in r.url and r.request.method == "POST") as flushed:
        context.set_offline(False)
    assert flushed.value.ok
    waited = time.monotonic() - last_ok
    progress = StudyProgress.objects.get(member=roles.member_a, lesson=lesson)
    gained = progress.watched_seconds - credited_online
    assert gained <= 2 * waited + 0.5  # never more than the wall clock × max rate
    assert gained >= offline_played - 0.5  # what really played offline, within that cap
    assert progress.watched_seconds <= lesson.duration_seconds
    page.wait_for_function("window.PSOHeartbeatQueue.pending() === 0")
    page.wait_for_selector("#offline-banner a")  # the kept copy offers the fresh page
    shot(page, "07-back-online")

    # --- signing out forgets this member on this phone ------------------------------------------
    page.goto(f"{base}/")
    logout(page)
    page.wait_for_url(f"{base}/login/")
    assert page.evaluate("caches.has('pso-pages')") is False
    assert page.evaluate("localStorage.getItem('pso-heartbeats')") is None
    context.set_offline(True)
    page.goto(f"{base}/training/my/")
    assert "甲镇党员冬训班" not in page.content()
    shot(page, "08-after-logout-offline")
    context.set_offline(False)
