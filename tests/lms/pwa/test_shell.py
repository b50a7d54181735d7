"""The installable app shell: manifest and icons, the service worker's headers and version, the
offline page, and heartbeats queued offline reaching the same endpoint late (the server's
wall-clock cap decides what they earn)."""

import datetime as dt
import io
import json

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import reverse
from PIL import Image

from courses.models import StudyClock, StudyProgress
from lms.pwa import shell
from lms.pwa.icons import icon_draw
from tests.factories.courses import make_course, make_index, make_lesson

pytestmark = pytest.mark.django_db


def test_manifest_is_installable_with_our_own_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["name"] == data["short_name"] == "党校在线"
    assert data["display"] == "standalone" and data["scope"] == "/" and data["start_url"].startswith("/")
    seen = set()
    for icon in data["icons"]:
        assert icon["src"].startswith("/static/pwa/icons/")
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        seen.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= seen
    shortcuts = {s["name"]: s["url"] for s in data["shortcuts"]}
    assert shortcuts["我的进度"] == reverse("quotas:my_progress")
    assert shortcuts["我的班次"] == reverse("training:my_classes")


def test_committed_icons_are_what_the_drawing_code_makes():
    """The PNGs are generated (manage.py pwa_icons); a maskable icon keeps its corners plain."""
    for size in (192, 512):
        with Image.open(finders.find(f"pwa/icons/maskable-{size}.png")) as committed:
            assert committed.size == (size, size)
        drawn = icon_draw(size, maskable=True)
        corner = drawn.getpixel((2, 2))
        assert corner == drawn.getpixel((size - 3, size - 3)) == (200, 22, 29)
        buffer = io.BytesIO()
        drawn.save(buffer, "PNG")
        assert buffer.tell() > 0


def test_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert shell.shell_version() in body
    config = json.loads(body.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["offline"] == reverse("pwa:offline")
    assert "/static/pwa/pwa.js" in config["shell"] and "/static/courses/heartbeat-queue.js" in config["shell"]
    for prefix in ("/api/", "/admin/", "/logout/", "/login/", "/files/"):
        assert prefix in config["never"]
    assert 'addEventListener("fetch"' in body  # Chromium's installability: a fetch handler
    # API writes bypass the worker (static routing), so a page-hide beacon is never lost in it.
    assert config["api"] == "/api/" and 'requestMethod: "POST"' in body and 'source: "network"' in body
    assert "/static/pwa/icons/icon-512.png" not in config["shell"]  # only the install prompt reads it
    assert client.post("/sw.js").status_code == 405


def test_version_follows_the_static_manifest(monkeypatch):
    shell.shell_version.cache_clear()
    plain = shell.shell_version()
    monkeypatch.setattr(staticfiles_storage, "hashed_files", {"pwa/pwa.js": "pwa/pwa.aaaa.js"}, raising=False)
    shell.shell_version.cache_clear()
    first = shell.shell_version()
    monkeypatch.setattr(staticfiles_storage, "hashed_files", {"pwa/pwa.js": "pwa/pwa.bbbb.js"}, raising=False)
    shell.shell_version.cache_clear()
    second = shell.shell_version()
    shell.shell_version.cache_clear()
    assert len({plain, first, second}) == 3


def test_pages_link_the_manifest_and_register_the_worker(roles, login):
    body = login(roles.member_a_user).get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    assert 'data-sw="/sw.js"' in body
    assert f'name="pso-user" content="{roles.member_a_user.pk}"' in body
    assert "/static/courses/heartbeat-queue.js" in body
    # The tab's icon is fetched on every first load: a 32 px PNG, not the 192 px app icon.
    assert 'rel="icon" type="image/png" sizes="32x32" href="/static/pwa/icons/favicon-32.png"' in body
    with Image.open(finders.find("pwa/icons/favicon-32.png")) as favicon:
        assert favicon.size == (32, 32)
    assert len(open(finders.find("pwa/icons/favicon-32.png"), "rb").read()) < 1024


def test_offline_page_needs_no_login_and_names_the_offline_mode(client):
    response = client.get(reverse("pwa:offline"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "当前离线" in body and 'id="offline-pages"' in body


def _shift_back(member, lesson, seconds: float) -> None:
    """As if the last heartbeat (and the member's clock) were `seconds` ago: the member was
    offline that long and the player kept playing from its buffer."""
    delta = dt.timedelta(seconds=seconds)
    progress = StudyProgress.objects.get(member=member, lesson=lesson)
    StudyProgress.objects.filter(pk=progress.pk).update(last_heartbeat_at=progress.last_heartbeat_at - delta)
    clock = StudyClock.objects.get(member=member)
    StudyClock.objects.filter(pk=clock.pk).update(spent_until=clock.spent_until - delta)


def test_queued_heartbeats_sent_late_earn_only_what_the_clock_allows(roles, login, settings):
    """A queue flush is an ordinary heartbeat on the same endpoint: 300 s of intervals played
    'offline' for 30 s of wall clock earn 60 s at most (2× max rate); sending the same queue
    again earns nothing; a queue kept through a long silence earns at most the capped gap."""
    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    settings.STUDY_HEARTBEAT_MAX_GAP = 300
    lesson = make_lesson(make_course(make_index()), duration=1200)
    client = login(roles.member_a_user)
    url = reverse("courses-api:lesson-heartbeat", args=[lesson.pk])
    opened = client.post(url, {"intervals": [], "position": 0}, content_type="application/json")
    assert opened.status_code == 200 and opened.json()["watched_seconds"] == 0

    _shift_back(roles.member_a, lesson, 30)
    queued = {"intervals": [[0, 300]], "position": 300}
    late = client.post(url, queued, content_type="application/json")
    assert late.status_code == 200
    assert 59 <= late.json()["watched_seconds"] <= 61  # 30 s × 2, not the 300 claimed

    again = client.post(url, queued, content_type="application/json")  # a duplicated flush
    # Only the wall clock since the previous heartbeat (a fraction of a second here) is added.
    assert again.json()["watched_seconds"] - late.json()["watched_seconds"] < 1

    _shift_back(roles.member_a, lesson, 3600)  # the phone stayed offline for an hour
    kept = client.post(url, {"intervals": [[0, 1200]], "position": 1200}, content_type="application/json")
    progress = StudyProgress.objects.get(member=roles.member_a, lesson=lesson)
    gained = progress.watched_seconds - late.json()["watched_seconds"]
    assert kept.status_code == 200 and 599 <= gained <= 601  # the 300 s gap cap × 2, not an hour


def test_a_queued_heartbeat_goes_only_to_its_own_user(roles, login):
    """The queue is per user in the page (pso-user); the server credits the session's member,
    whatever a payload says, and a non-member's flush is refused without crediting anyone."""
    lesson = make_lesson(make_course(make_index()), duration=600)
    url = reverse("courses-api:lesson-heartbeat", args=[lesson.pk])
    response = login(roles.town_a_staff).post(url, {"intervals": [[0, 60]]}, content_type="application/json")
    assert response.status_code == 403
    assert not StudyProgress.objects.filter(lesson=lesson).exists()
