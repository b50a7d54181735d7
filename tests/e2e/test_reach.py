"""Reach (issue #18) on a phone (390×844) in Debian's Chromium: 适老化 mode, light pages,
audio-only playback on a 400 kbps village connection.

The live server here serves static files like production: WhiteNoise from STATIC_ROOT with
pre-compressed .br/.gz copies (whitenoise's compressor, as collectstatic makes them), and the
media files through the authorising view (no test-only handlers). Transfer sizes are the
encoded bytes Chromium received (CDP Network.loadingFinished encodedDataLength). Playback
starts are counted from the start of the navigation (the page's time origin), the member
tapping play or 仅听声音 as soon as it shows. The lesson's clip is 8 s: two 6 s segments, so the
first frame needs ~400 KB of 240p (bench/pageweight.py measures a 60 s lesson)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.finders import get_finders
from django.test import Client
from whitenoise.compress import Compressor

from courses.models import StudyProgress
from media.services import video_process_now
from tests.e2e.ui import logout, open_menu
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.media import make_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
BUDGET = 200 * 1024  # member pages, first load, video excluded
KBPS_400 = {"offline": False, "latency": 150, "downloadThroughput": 400_000 / 8, "uploadThroughput": 200_000 / 8}
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
PLAYER = "document.getElementById('lesson-player')"
MEDIA_SEGMENT = (".ts", ".m4s", ".mp4", ".aac", ".m4a", ".mp3")


@pytest.fixture(scope="module")
def compressed_static(tmp_path_factory) -> Path:
    """The project's own static files (what member pages use) with .br/.gz beside them."""
    root = tmp_path_factory.mktemp("reach-static")
    site_packages = str(Path(shutil.__file__).parent)
    for finder in get_finders():
        for path, storage in finder.list([]):
            source = Path(storage.path(path))
            if "site-packages" in str(source) or str(source).startswith(site_packages):
                continue  # Wagtail admin, DRF, Swagger: never on a member page
            prefix = getattr(storage, "prefix", None)
            target = root / prefix / path if prefix else root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    compressor = Compressor(quiet=True)
    for path in [p for p in root.rglob("*") if p.is_file()]:
        if compressor.should_compress(path.name):
            list(compressor.compress(str(path)))
    assert (root / "css" / "site.css.br").exists()
    return root


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Where the lesson's renditions are written and served from (set before they are made)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def server(settings, monkeypatch, compressed_static, media_root):
    """A live server with WhiteNoise serving the compressed static files and no test-only
    static/media handlers (production's WSGI app has none). A free port each time: Django's
    live server does not reuse an address, so a fixed one stays taken after a test."""
    import django.test.testcases
    from pytest_django.live_server_helper import LiveServer

    monkeypatch.setattr(django.test.testcases, "_MediaFilesHandler", lambda app: app)
    monkeypatch.setattr("django.contrib.staticfiles.handlers.StaticFilesHandler", lambda app: app)
    settings.DEBUG = False
    settings.STATIC_ROOT = compressed_static
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
    live = LiveServer("127.0.0.1:0")
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def lesson(roles, media_root):
    video = video_process_now(make_video(seconds=8, width=640, height=360))
    assert video.is_ready and video.has_audio_only, video.error
    course = make_course(make_index(), title="学习党章")
    return make_lesson(course, title="党章的历史沿革", video=video)


def _phone(browser, server, user=None):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


class NetworkLog:
    """Encoded bytes per request, from the DevTools protocol (what really crossed the wire)."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        self.urls: dict[str, str] = {}
        self.status: dict[str, int] = {}
        self.encoded: dict[str, int] = {}
        self.cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        self.cdp.on(
            "Network.responseReceived", lambda e: self.status.__setitem__(e["requestId"], e["response"]["status"])
        )
        self.cdp.on(
            "Network.loadingFinished", lambda e: self.encoded.__setitem__(e["requestId"], e["encodedDataLength"])
        )

    def throttle(self, conditions: dict) -> None:
        self.cdp.send("Network.emulateNetworkConditions", conditions)

    def page_requests(self) -> dict[str, int]:
        """url → bytes for everything but media segments (video/audio data)."""
        out = {}
        for rid, size in self.encoded.items():
            url = self.urls.get(rid, "")
            if url.split("?")[0].endswith(MEDIA_SEGMENT) or not url.startswith("http"):
                continue
            out[url] = out.get(url, 0) + size
        return out

    def failed(self) -> list[str]:
        return [self.urls.get(rid, rid) for rid, status in self.status.items() if status >= 400]


def _elder_on(page) -> None:
    page.click(".elder-switch .elder-toggle")
    page.wait_for_selector("html.elder")


def _contrast(page, selector: str) -> float:
    return page.evaluate(
        """(sel) => {
            const el = document.querySelector(sel);
            const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
            const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
            let bg = el, color;
            while (bg && (color = getComputedStyle(bg).backgroundColor) && (color === 'rgba(0, 0, 0, 0)' || color === 'transparent')) bg = bg.parentElement;
            const fg = lum(rgb(getComputedStyle(el).color)), back = lum(rgb(bg ? color : 'rgb(255,255,255)'));
            return (Math.max(fg, back) + 0.05) / (Math.min(fg, back) + 0.05);
        }""",
        selector,
    )


def test_elder_mode_large_text_large_targets_contrast_and_remembered(roles, lesson, server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _phone(browser, server)
    page.goto(f"{server.url}/login/")
    assert page.is_visible("#login-elder-on")  # offered on the login page
    page.screenshot(path=str(SCREENSHOTS / "reach-login-phone.png"), full_page=True)
    page.fill("input[name=username]", "member_a")
    page.fill("input[name=password]", "Test@12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    normal_font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") <= 60
    page.screenshot(path=str(SCREENSHOTS / "reach-home-normal-phone.png"), full_page=True)

    _elder_on(page)  # one tap
    body_font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_font >= 20 > normal_font
    assert page.locator(".big-actions a").all_inner_texts()[0].startswith("学习")
    assert [t.split("\n")[0] for t in page.locator(".big-actions a").all_inner_texts()] == ["学习", "签到", "我的进度"]
    page.screenshot(path=str(SCREENSHOTS / "reach-home-elder-phone.png"), full_page=True)

    small = """() => [...document.querySelectorAll('button, .button, a.big-action, [role=button], input[type=submit], summary, .nav a')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.textContent.trim() || el.getAttribute('aria-label'), el.getBoundingClientRect().height])
        .filter(([, h]) => h < 48)"""
    assert page.evaluate("document.querySelectorAll('button, .button, a.big-action').length") >= 5
    assert page.evaluate(small) == []
    open_menu(page)  # the menu's links and 退出 too
    assert page.evaluate(small) == []
    page.screenshot(path=str(SCREENSHOTS / "reach-menu-elder-phone.png"), full_page=True)
    for selector in ("body", ".big-action", ".big-action.secondary", ".muted", ".brand", ".elder-toggle", ".nav a"):
        assert _contrast(page, selector) >= 4.5, selector

    # Text scaled to 200 % (on top of the mode's own size): nothing sticks out sideways.
    page.evaluate("document.documentElement.style.fontSize = '250%'")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "reach-home-elder-200pct-phone.png"), full_page=True)
    page.evaluate("document.documentElement.style.fontSize = ''")

    # Player controls are labelled for screen readers.
    page.goto(f"{server.url}{lesson.url}")
    assert page.get_attribute("#lesson-player", "aria-label") == "微党课视频：党章的历史沿革"
    page.wait_for_selector("#audio-only-toggle", state="visible")
    # The browser's own controls are small: large play / back 15 s / full-screen buttons drive it.
    page.wait_for_selector("#big-controls", state="visible")
    assert page.evaluate(small) == []
    heights = page.eval_on_selector_all("#big-controls button", "bs => bs.map(b => b.getBoundingClientRect().height)")
    assert len(heights) == 3 and min(heights) >= 48
    page.click('#big-controls [data-act="play"]')
    page.wait_for_function("!document.getElementById('lesson-player').paused")
    page.wait_for_function("document.querySelector('#big-controls [data-act=play]').textContent === '暂停'")
    page.screenshot(path=str(SCREENSHOTS / "reach-lesson-elder-phone.png"), full_page=True)
    page.click('#big-controls [data-act="play"]')
    page.wait_for_function("document.getElementById('lesson-player').paused")

    # 签到 from the simplified home: how to scan, and the code form one tap away.
    page.goto(f"{server.url}/")
    page.click(".big-actions >> text=签到")
    page.wait_for_url(f"{server.url}/access/signin/")
    assert "扫一扫" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "reach-signin-elder-phone.png"), full_page=True)

    logout(page)
    context.close()

    # Another phone (no cookie): the account's choice comes back at login.
    context, page = _phone(browser, server)
    page.goto(f"{server.url}/login/")
    assert page.evaluate("document.documentElement.classList.contains('elder')") is False
    page.fill("input[name=username]", "member_a")
    page.fill("input[name=password]", "Test@12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    assert page.is_visible(".big-actions")
    context.close()


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_member_pages_first_load_within_200_kb(roles, lesson, server, browser, elder):
    if elder:
        from lms.accessibility.services import elder_mode_set

        elder_mode_set(user=roles.member_a_user, enabled=True)
    pages = {
        "home": "/",
        "my_progress": "/progress/me/",
        "my_learning": "/learn/me/",
        "course_list": "/learn/",
        "course": lesson.get_parent().url,
        "lesson": lesson.url,
    }
    figures = {}
    for name, path in pages.items():
        context, page = _phone(browser, server)
        client = Client()
        if elder:
            client.post("/login/", {"username": "member_a", "password": "Test@12345"})
        else:
            client.force_login(roles.member_a_user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])
        log = NetworkLog(page)
        page.goto(f"{server.url}{path}", wait_until="networkidle")
        if name == "lesson":
            page.wait_for_function(f"{PLAYER}.readyState >= 1", timeout=20000)
            # hls.js (~155 KB) is fetched only by a browser that plays through it.
            uses_hlsjs = page.evaluate(f"{PLAYER}.dataset.mode") == "hls.js"
            assert any("hls.min.js" in url for url in log.urls.values()) == uses_hlsjs
        assert page.url.startswith(server.url) and "/login/" not in page.url, page.url
        assert log.failed() == [], log.failed()
        sizes = log.page_requests()
        total = sum(sizes.values())
        figures[name] = (total, len(sizes))
        assert total <= BUDGET, (name, sorted(sizes.items(), key=lambda kv: -kv[1])[:6])
        context.close()
    print(" ".join(f"{n}_bytes={b} {n}_requests={r}" for n, (b, r) in figures.items()))


def _first_playback(page) -> float:
    """Seconds from the start of the navigation (the page's time origin, as Lighthouse counts)
    to the first moment the player's clock moves while playing."""
    page.wait_for_function("window.__firstPlayback !== undefined", timeout=20000)
    return page.evaluate("window.__firstPlayback") / 1000


FIRST_PLAYBACK = """addEventListener('timeupdate', (e) => {
    const v = e.target;
    if (window.__firstPlayback === undefined && v.currentTime > 0 && !v.paused) window.__firstPlayback = performance.now();
}, true);"""


def test_audio_only_starts_within_5s_at_400kbps_and_credits_listening(roles, lesson, server, browser):
    context, page = _phone(browser, server, user=roles.member_a_user)
    page.add_init_script(FIRST_PLAYBACK)
    log = NetworkLog(page)
    log.throttle(KBPS_400)
    page.goto(f"{server.url}{lesson.url}", wait_until="commit")  # the member taps once it shows
    page.click("#audio-only-toggle")
    page.evaluate(f"{PLAYER}.muted = true; {PLAYER}.play()")
    first_sound = _first_playback(page)
    assert page.evaluate(f"{PLAYER}.dataset.listening") == "1"
    assert first_sound <= 5, first_sound
    assert page.evaluate(f"{PLAYER}.videoWidth") == 0  # sound only: no picture downloaded
    assert not [u for u in log.urls.values() if "/240p/" in u or "/360p/" in u]

    page.wait_for_function(f"{PLAYER}.currentTime >= 3", timeout=20000)
    with page.expect_response(lambda r: "/heartbeat/" in r.url and r.request.method == "POST") as response:
        page.evaluate(f"{PLAYER}.pause()")
    assert response.value.ok
    progress = StudyProgress.objects.get(member=roles.member_a, lesson=lesson)
    assert 2 <= progress.watched_seconds <= page.evaluate(f"{PLAYER}.currentTime") + 0.5
    print(f"audio_only_first_sound_s_at_400kbps={first_sound:.2f}")
    context.close()


def test_video_starts_within_10s_at_400kbps(roles, lesson, server, browser):
    context, page = _phone(browser, server, user=roles.member_a_user)
    page.add_init_script(FIRST_PLAYBACK)
    log = NetworkLog(page)
    log.throttle(KBPS_400)
    page.goto(f"{server.url}{lesson.url}", wait_until="commit")
    page.wait_for_function(f"{PLAYER} && {PLAYER}.dataset.mode")  # set up: the member taps play
    # A weak connection fetches no video before play: the bandwidth goes to what is chosen.
    assert page.evaluate(f"{PLAYER}.preload") == "none"
    assert not [u for u in log.urls.values() if u.split("?")[0].endswith(MEDIA_SEGMENT)]
    page.evaluate(f"{PLAYER}.muted = true; {PLAYER}.play()")
    first_frame = _first_playback(page)
    assert page.evaluate(f"{PLAYER}.videoWidth") > 0
    assert first_frame <= 10, first_frame
    print(f"video_first_frame_s_at_400kbps={first_frame:.2f}")
    context.close()


def test_native_hls_that_fails_falls_back_to_hlsjs_loaded_on_demand(roles, lesson, server, browser):
    """A browser may claim HLS ("maybe") and then fail on the playlist: the player then loads
    hls.js (only now) and plays through it, and the page still fits the budget."""
    context, page = _phone(browser, server, user=roles.member_a_user)

    def broken_for_the_native_player(route, request):
        if request.resource_type == "media":  # the <video> element itself, not hls.js (xhr)
            return route.fulfill(status=200, content_type="application/vnd.apple.mpegurl", body="#EXTM3U\n#garbage\n")
        return route.continue_()

    page.route("**/master.m3u8", broken_for_the_native_player)
    log = NetworkLog(page)
    page.goto(f"{server.url}{lesson.url}")
    page.wait_for_function(f"{PLAYER}.dataset.mode === 'hls.js'")
    page.evaluate(f"{PLAYER}.muted = true; {PLAYER}.play()")
    page.wait_for_function(f"{PLAYER}.currentTime > 1 && {PLAYER}.videoWidth > 0")
    sizes = log.page_requests()
    hlsjs = [size for url, size in sizes.items() if "hls.min.js" in url]
    assert len(hlsjs) == 1 and hlsjs[0] > 100_000  # fetched once, compressed (~155 KB)
    assert sum(sizes.values()) <= BUDGET, sorted(sizes.items(), key=lambda kv: -kv[1])[:6]
    print(f"lesson_with_hlsjs_bytes={sum(sizes.values())} lesson_with_hlsjs_requests={len(sizes)}")
    context.close()
