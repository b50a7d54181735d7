"""The first hour as each demo user, on the demo as `make run` serves it: a small seed in its
own SQLite database under tmp, `runserver` with DEBUG off (settings.dev without DJANGO_DEBUG).

- crawl: as each demo role, every page linked from the home page, and up to three pages of
  each kind one level below, answers 200 or a deliberate Chinese 403/404 page — never a 500 or an
  English/debug page;
- member (phone): watch a lesson (the counter of credited seconds moves), see progress, sign in
  to today's class from the QR link, evaluate a session;
- department (desktop): drill down county → town → branch → member, export the xlsx and find
  the page's figures in it;
- screenshots of every role's home on a phone (390×844) and a desktop (1366×900) under
  var/screenshots (looked at by eye before closing an issue).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest
import requests
from django.conf import settings
from openpyxl import load_workbook

from tests.e2e.ui import logout, nav_click

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.embedded]

PORT = 8705
PASSWORD = "Demo@2026"
ROLES = ["dangyuan", "shuji", "jiangshi", "lunzhen", "fangsi", "shidangxiao", "zuzhibu", "admin"]
CJK = re.compile(r"[\u4e00-\u9fff]")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _manage(env, *args, timeout=600):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo site: migrate, collect static files, seed 60 members, serve with DEBUG off."""
    var = tmp_path_factory.mktemp("first-hour-var")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "REDIS_CACHE_URL"}
    }
    env.update(LMS_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="lms.settings.dev")
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "collectstatic", "--noinput", "-v0")
    _manage(env, "seed_demo", "--members", "60")
    log = (var / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{PORT}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            pytest.fail((var / "server.log").read_text()[-3000:])
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _session(url: str, username: str) -> requests.Session:
    s = requests.Session()
    s.get(f"{url}/login/", timeout=30)
    r = s.post(
        f"{url}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": s.cookies["csrftoken"]},
        headers={"Referer": f"{url}/login/"},
        timeout=30,
    )
    assert r.url.rstrip("/") == url, f"{username} could not log in"
    return s


HREF = re.compile(r"""<a\b[^>]*\bhref=["']([^"'#]+)""", re.I)
SKIP = ("/logout", "/login", "/admin/logout")


def _links(base: str, page_url: str, html: str) -> set[str]:
    out = set()
    for href in HREF.findall(html):
        if href.startswith(("mailto:", "tel:", "javascript:")):
            continue
        full = urllib.parse.urljoin(page_url, href.replace("&amp;", "&"))
        if not full.startswith(base + "/"):
            continue
        if any(urllib.parse.urlparse(full).path.startswith(p) for p in SKIP):
            continue
        out.add(full)
    return out


DIGITS = re.compile(r"\d+")
PER_KIND = 3  # level-two pages checked per kind of page


def _shape(url: str) -> tuple:
    """What kind of page a URL is: its path with every number as N, and its query's names
    (/progress/member/17/?year=2026 and /progress/member/23/?year=2025 are one kind)."""
    parts = urllib.parse.urlparse(url)
    return DIGITS.sub("N", parts.path), tuple(sorted(urllib.parse.parse_qs(parts.query, keep_blank_values=True)))


def _check(resp, where: str) -> str | None:
    """None when fine, else what is wrong."""
    if resp.status_code >= 500:
        return f"{resp.status_code} {resp.url} (linked from {where})"
    if resp.status_code in (403, 404):
        text = resp.text
        if not CJK.search(text) or "Page not found" in text or "Traceback" in text:
            return f"{resp.status_code} without a Chinese page: {resp.url} (linked from {where})"
        return None
    if resp.status_code != 200:
        return f"{resp.status_code} {resp.url} (linked from {where})"
    if "Traceback" in resp.text or "DisallowedHost" in resp.text:
        return f"debug page at {resp.url}"
    return None


@pytest.mark.parametrize("username", ROLES)
def test_crawl_from_each_roles_home(demo, username):
    s = _session(demo, username)
    home = s.get(f"{demo}/", timeout=30)
    assert home.status_code == 200
    level1 = _links(demo, home.url, home.text)
    assert level1, "the home page links nowhere"
    seen, problems, level2 = {f"{demo}/"}, [], {}
    for url in sorted(level1):
        seen.add(url)
        r = s.get(url, timeout=60)
        problem = _check(r, "home")
        if problem:
            problems.append(problem)
        elif r.headers.get("Content-Type", "").startswith("text/html") and "/admin/" not in url:
            # One level below the pages the home links to (the Wagtail admin's own menus are
            # the admin's, tested by the door tests).
            for link in _links(demo, r.url, r.text):
                level2.setdefault(link, url)
    shapes = Counter(_shape(u) for u in seen)
    for url, parent in sorted(level2.items()):
        if url in seen or shapes[_shape(url)] >= PER_KIND:
            continue  # pages of the same kind (other members, other months) were checked
        seen.add(url)
        shapes[_shape(url)] += 1
        problem = _check(s.get(url, timeout=60), parent)
        if problem:
            problems.append(problem)
    assert problems == [], "\n".join(problems)
    assert len(seen) > 5


def test_chinese_error_pages_and_no_debug(demo):
    s = _session(demo, "dangyuan")
    r = s.get(f"{demo}/no-such-page/", timeout=30)
    assert r.status_code == 404 and "页面不存在" in r.text and "党校在线" in r.text
    assert "Page not found" not in r.text and "URLconf" not in r.text
    r = s.get(f"{demo}/progress/coverage/", timeout=30)  # a member on a staff page
    assert r.status_code == 403 and CJK.search(r.text)
    r = requests.post(f"{demo}/login/", data={"username": "x"}, timeout=30)  # no CSRF cookie
    assert r.status_code == 403 and "页面已过期" in r.text
    assert requests.get(f"{demo}/static/css/site.css", timeout=30).status_code == 200  # WhiteNoise, DEBUG off


def _login(page, url: str, username: str):
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_member_watches_sees_progress_signs_in_and_evaluates(demo, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        # Sign-in: the town clerk puts today's sign-in screen on the wall; the member opens its link.
        staff = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        clerk = staff.new_page()
        _login(clerk, demo, "lunzhen")
        clerk.goto(f"{demo}/training/")
        clerk.click("a:has-text('（演示）')")
        clerk.click("text=签到大屏 >> nth=0")
        signin_url = clerk.get_attribute("#link", "href")
        staff.close()
        assert signin_url

        _login(page, demo, "dangyuan")
        home = page.inner_text("main")
        assert "我的学习" in home
        # Status text is at least 16 px and the menu fits one row on a phone.
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.badge')).fontSize)")
        assert size >= 16
        assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") <= 60

        # Watch: a lesson plays and the credited seconds move after the first report (15 s).
        page.goto(f"{demo}/courses/")
        page.click(".course-card >> nth=0")
        page.click(".lesson-list a >> nth=1")
        page.wait_for_url("**/lesson-2/")
        page.locator("#lesson-player").wait_for(state="visible")  # is_visible() would not wait for the page
        assert page.is_hidden("#completed-badge") or "已完成" in page.inner_text("#player-status")
        before = int(page.inner_text("#watched-seconds") or 0)
        player = "document.getElementById('lesson-player')"
        page.wait_for_function(f"{player}.dataset.ready === '1'", timeout=30000)
        start = page.evaluate(f"{player}.currentTime")
        page.evaluate(f"{player}.muted = true; {player}.play()")
        page.wait_for_function(f"{player}.currentTime >= {start} + 4", timeout=30000)
        with page.expect_response(lambda r: "/heartbeat/" in r.url and r.request.method == "POST") as response:
            page.evaluate(f"{player}.pause()")
        assert response.value.ok
        page.wait_for_function(f"parseInt(document.getElementById('watched-seconds').textContent) >= {before} + 3")
        assert page.is_visible("text=下一讲")

        # Progress: the member's own page explains each rule in Chinese.
        nav_click(page, "我的进度")
        page.wait_for_url("**/progress/me/**")
        progress = page.inner_text("main")
        assert "学时" in progress and ("已达标" in progress or "还差" in progress)

        # Sign in from the QR link: one scan for the day.
        page.goto(signin_url if signin_url.startswith("http") else f"{demo}{signin_url}")
        assert "签到成功" in page.inner_text("#signin-result")

        # Evaluate a session from the home card.
        page.goto(f"{demo}/teachers/evaluations/")
        pending = page.locator("main a[href*='/teachers/evaluate/']")
        assert pending.count() > 0, "the demo member has nothing to evaluate"
        pending.first.click()
        for fieldset in page.locator("fieldset.dimension").all():
            label = fieldset.locator("label").last
            box = label.bounding_box()
            assert box and box["height"] >= 44  # a tap target
            label.click()
        page.fill("textarea[name=comment]", "联系实际，讲得很好。")
        page.click("button:has-text('提交评价')")
        page.wait_for_url("**/teachers/evaluations/")
        assert "评价已保存" in page.inner_text("main")
        logout(page)
        page.wait_for_url("**/login/**")
    finally:
        context.close()


def test_department_drills_down_and_exports(demo, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        _login(page, demo, "zuzhibu")
        nav_click(page, "轮训覆盖")
        page.wait_for_url("**/progress/coverage/**")
        county_members = int(page.inner_text("[data-figure=members]"))
        assert county_members == 60
        page.wait_for_function("document.querySelector('#trend-chart canvas') !== null")
        page.click("#units >> text=伦镇党校")
        page.wait_for_url("**level=town**")
        town_members = int(page.inner_text("[data-figure=members]"))
        assert 0 < town_members < county_members
        warnings = page.inner_text("main")
        assert "梁家镇" not in warnings  # only the town's own warnings
        page.click("#units tbody a >> nth=0")
        page.wait_for_url("**level=branch**")
        branch = page.inner_text("#members")
        assert "伦镇" in page.inner_text("main")
        with page.expect_download() as info:
            page.click("#export-xlsx")
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        wb = load_workbook(BytesIO(Path(download.path()).read_bytes()))
        names = [r[1] for r in wb["党员明细"].iter_rows(min_row=2, values_only=True)]
        assert names and all(name in branch for name in names if name)
        page.click("#members a >> nth=0")
        page.wait_for_url("**/progress/members/**")
        assert "学时" in page.inner_text("main")
    finally:
        context.close()


@pytest.mark.parametrize("username", ROLES)
def test_home_screenshots(demo, browser, username):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1366, "height": 900})):
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = context.new_page()
        try:
            _login(page, demo, username)
            page.wait_for_load_state("networkidle")
            # Nothing wider than the screen (no sideways scrolling of the whole page).
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
            page.screenshot(path=str(SCREENSHOTS / f"{username}-{name}.png"), full_page=True)
        finally:
            context.close()
