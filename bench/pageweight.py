"""Lesson page weight and time to first playback on a 400 kbit/s village connection,
Lighthouse-like, before and after issue #18, in one run.

    .venv/bin/python bench/pageweight.py [--rev HEAD] [--runs 5] [--seconds 60] [--kbps 400]

Preparation (not timed): an empty database (SQLite file, or a new PostgreSQL database when
DATABASE_URL names one) migrated by `--rev`'s code (bench/_harness.py: `git archive`), a
member with a session, a course and a lesson whose video is a `--seconds` long 640x360 clip
with sound made by the real pipeline (ladder 240p/360p + audio-only). The tree is served by
gunicorn with production settings (hashed, brotli-compressed static files through WhiteNoise;
media through the authorising view, as without nginx).

Each load is a first visit on a phone (390x844, Debian's Chromium, a fresh browser context,
the service worker blocked so its one-time install download is not counted), with the
connection throttled by CDP Network.emulateNetworkConditions (`--kbps` down, half that up,
150 ms latency). The member taps play (or 仅听声音, then play) as soon as the player is set up.
Two variants, alternating in the same run:

- after: the lesson page as served.
- before: the page as the template was before #18, hls.js (~155 KB compressed) loaded on every
  lesson page ahead of player.js: injected in the browser where the page's loader adds
  player.js (same order, same throttled network); everything else unchanged.

Figures per variant (medians over `--runs`): page_bytes / page_requests (encoded bytes on the
wire, CDP loadingFinished, everything but the media files), media_bytes (playlists and
segments) up to the first playback, first_frame_s (navigation start → the video's clock moves
while playing, from the page's own performance.now(), as Lighthouse counts from navigation
start), first_sound_s (the same with 仅听声音). Last line: key=value figures with the machine's
load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _harness import PYTHON, Server, load_average, run_in, tree_at  # noqa: E402
from _util import figures, free_port, fresh_database_url  # noqa: E402
from heartbeat import session_backend  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 390, "height": 844}
MEDIA = (".m3u8", ".ts", ".m4s", ".mp4", ".aac", ".m4a")
PLAYER = "document.getElementById('lesson-player')"
CSRF_SECRET = "p" * 32

FIRST_PLAYBACK = """addEventListener('timeupdate', (e) => {
    const v = e.target;
    if (window.__firstPlayback === undefined && v.currentTime > 0 && !v.paused) window.__firstPlayback = performance.now();
}, true);"""

# "before": the old template loaded hls.js on every lesson page, ahead of player.js. Where the
# page's loader appends player.js, hls.js (the page's own data-hlsjs URL) goes first, with the
# same in-order execution (async = false) as the old pair of deferred scripts.
HLSJS_ALWAYS = """(() => {
    const append = Node.prototype.appendChild;
    Node.prototype.appendChild = function (node) {
        if (node.tagName === 'SCRIPT' && /courses\\/player/.test(node.src || '') && !window.__hlsjsInjected) {
            window.__hlsjsInjected = true;
            const hls = document.createElement('script');
            hls.src = document.getElementById('lesson-player').dataset.hlsjs;
            hls.async = false;
            append.call(this, hls);
        }
        return append.call(this, node);
    };
})();"""


def prepare(seconds: int, out: Path) -> None:
    """Inside the tree (its code and database): a member with a session and one lesson."""
    import datetime as dt
    from importlib import import_module

    import django

    django.setup()
    import logging

    logging.getLogger("wagtail").setLevel(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from wagtail.models import Page, Site

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from lms.accounts.models import User
    from lms.members.models import Member
    from lms.organizations.services import organization_create
    from lms.schools.models import PartySchool
    from media.demo import demo_video_create

    city = PartySchool.objects.create(name="测速市委党校", tier="city")
    town = PartySchool.objects.create(name="测速镇党校", tier="town", parent=city, region="测速镇")
    root = organization_create(parent=None, name="测速县委", kind="committee")
    committee = organization_create(parent=root, name="测速镇党委", kind="committee", town=town)
    branch = organization_create(parent=committee, name="测速村党支部", kind="branch", town=town, sector="village")
    user = User.objects.create(username="cunmin", password="!unusable", display_name="村里的党员")
    Member.objects.create(
        user=user, name="村里的党员", member_no="P0000001", branch=branch, join_date=dt.date(1980, 7, 1)
    )
    video = demo_video_create(title="测速微党课", seconds=seconds)
    if not video.is_ready:
        raise RuntimeError(f"the lesson video did not process: {video.error}")
    site = Site.objects.filter(is_default_site=True).first()
    home = site.root_page if site else Page.get_first_root_node()
    index = home.add_child(instance=CourseIndexPage(title="课程中心", slug="pageweight-courses"))
    course = index.add_child(instance=CoursePage(title="学习党章", slug="pageweight-course"))
    lesson = course.add_child(instance=LessonPage(title="党章的历史沿革", slug="lesson", video=video))
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = session_backend()
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    out.write_text(
        json.dumps(
            {
                "cookie_name": settings.SESSION_COOKIE_NAME,
                "session": store.session_key,
                "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
                "lesson_url": lesson.url,
            }
        )
    )


class Load:
    """One first visit of the lesson page in a fresh context, with the network log."""

    def __init__(self, browser, base: str, data: dict, *, before: bool, conditions: dict):
        self.context = browser.new_context(
            locale="zh-CN", viewport=PHONE, device_scale_factor=2, service_workers="block"
        )
        self.context.add_cookies(
            [
                {"name": data["cookie_name"], "value": data["session"], "url": base},
                {"name": data["csrf_cookie_name"], "value": CSRF_SECRET, "url": base},
            ]
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(60000)
        self.page.add_init_script(FIRST_PLAYBACK)
        if before:
            self.page.add_init_script(HLSJS_ALWAYS)
        self.urls: dict[str, str] = {}
        self.encoded: dict[str, int] = {}
        cdp = self.context.new_cdp_session(self.page)
        cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: self.encoded.__setitem__(e["requestId"], e["encodedDataLength"]))
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", conditions)
        self.url = base + data["lesson_url"]

    def play(self, *, audio_only: bool) -> float:
        page = self.page
        page.goto(self.url, wait_until="commit")
        if audio_only:
            page.click("#audio-only-toggle")
        else:
            page.wait_for_function(f"() => {PLAYER} && {PLAYER}.dataset.mode")  # a function: CSP has no eval
        page.evaluate(f"{PLAYER}.muted = true; {PLAYER}.play()")
        page.wait_for_function("() => window.__firstPlayback !== undefined")
        seconds = page.evaluate("window.__firstPlayback") / 1000
        if audio_only and page.evaluate(f"{PLAYER}.videoWidth") != 0:
            raise RuntimeError("仅听声音 played a picture")
        return seconds

    def weights(self) -> dict:
        page_bytes = page_requests = media_bytes = 0
        hlsjs = False
        for rid, url in self.urls.items():
            if not url.startswith("http") or rid not in self.encoded:
                continue  # data: URLs, or still loading when playback began
            if url.split("?")[0].endswith(MEDIA):
                media_bytes += self.encoded[rid]
            else:
                page_bytes += self.encoded[rid]
                page_requests += 1
                hlsjs = hlsjs or "hls.min" in url
        mode = self.page.evaluate(f"{PLAYER}.dataset.mode")
        return {
            "page_bytes": page_bytes,
            "page_requests": page_requests,
            "media_bytes": media_bytes,
            "hlsjs": hlsjs,
            "mode": mode,
        }

    def close(self) -> None:
        self.context.close()


def measure(base: str, data: dict, runs: int, conditions: dict) -> tuple[dict, str]:
    from playwright.sync_api import sync_playwright

    samples: dict[str, list] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        version = browser.version
        warm = Load(
            browser,
            base,
            data,
            before=False,
            conditions={**conditions, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        warm.play(audio_only=False)  # server warm-up (imports, templates), not measured
        warm.close()
        for run in range(runs):
            order = ("after", "before") if run % 2 == 0 else ("before", "after")
            for audio_only in (False, True):
                for variant in order:
                    load = Load(browser, base, data, before=variant == "before", conditions=conditions)
                    try:
                        seconds = load.play(audio_only=audio_only)
                        weights = load.weights()
                    finally:
                        load.close()
                    if weights["hlsjs"] != (variant == "before" or weights["mode"] == "hls.js"):
                        raise RuntimeError(f"{variant}: hls.js fetched={weights['hlsjs']} in mode {weights['mode']}")
                    kind = "sound" if audio_only else "frame"
                    samples.setdefault(f"{variant}_first_{kind}_s", []).append(seconds)
                    if not audio_only:
                        for key in ("page_bytes", "page_requests", "media_bytes"):
                            samples.setdefault(f"{variant}_{key}", []).append(weights[key])
                        samples.setdefault(f"{variant}_mode", []).append(weights["mode"])
                    print(variant, kind, f"{seconds:.2f}s", weights, file=sys.stderr)
        browser.close()
    return samples, version


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rev", default="HEAD", help="the commit to serve")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=60, help="length of the lesson's clip")
    parser.add_argument("--kbps", type=int, default=400)
    parser.add_argument("--latency", type=int, default=150, help="ms added to every request")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.seconds, args.prepare)
        return

    tree = tree_at(args.rev)
    url, drop = fresh_database_url("pageweight")
    server = None
    load_before = load_average()
    try:
        run_in(tree, [PYTHON, "manage.py", "migrate", "--noinput"], url, settings="lms.settings.dev")
        with tempfile.TemporaryDirectory(prefix="pageweight-") as tmp:
            out = Path(tmp) / "data.json"
            cmd = [PYTHON, "bench/pageweight.py", "--prepare", str(out), "--seconds", str(args.seconds)]
            run_in(tree, cmd, url, settings="lms.settings.dev")
            data = json.loads(out.read_text())
        server = Server(tree, port=free_port(), database_url=url, workers=2)
        server.start()
        conditions = {
            "offline": False,
            "latency": args.latency,
            "downloadThroughput": args.kbps * 1000 / 8,
            "uploadThroughput": args.kbps * 1000 / 16,
        }
        samples, version = measure(f"http://127.0.0.1:{server.port}", data, args.runs, conditions)
    finally:
        if server is not None:
            server.stop()
        drop()
    load_after = load_average()

    result = {}
    for key, values in sorted(samples.items()):
        if key.endswith("_mode"):
            result[key] = ",".join(sorted(set(values)))
        elif key.endswith("_s"):
            result[key] = f"{statistics.median(values):.2f}"
        else:
            result[key] = int(statistics.median(values))
    result["saved_bytes"] = result["before_page_bytes"] - result["after_page_bytes"]
    for kind in ("frame", "sound"):
        saved = float(result[f"before_first_{kind}_s"]) - float(result[f"after_first_{kind}_s"])
        result[f"first_{kind}_saved_s"] = f"{saved:.2f}"
    chromium = re.sub(r"[^0-9.]", "", version)
    print(
        figures(
            **result,
            runs=args.runs,
            clip_s=args.seconds,
            kbps=args.kbps,
            latency_ms=args.latency,
            chromium=chromium,
            load_before=f"{load_before:.2f}",
            load_after=f"{load_after:.2f}",
            cpus=os.cpu_count(),
        )
    )


if __name__ == "__main__":
    main()
