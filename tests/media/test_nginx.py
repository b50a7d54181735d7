"""The production path, for real: Debian's nginx runs deploy/nginx.conf (only paths, ports and
a self-signed certificate substituted) in front of a Django server, and lesson media is asked
through nginx as an anonymous visitor and as a member. Django decides, nginx sends the bytes
(X-Accel-Redirect to an internal location).

Reproduce by hand: `LMS_VAR_DIR=var/h-media .venv/bin/pytest -q -n 0 tests/media/test_nginx.py`
(nginx listens on 127.0.0.1:8202 (TLS) and 8201, Django on 8203)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
import urllib3
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model

from courses.models import LessonDocument
from media.services import video_process_now
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.media import make_video

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HTTP_PORT, HTTPS_PORT, DJANGO_PORT = 8201, 8202, 8203
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (apt-get install nginx)"),
]


def render_config(tmp: Path, media_root: Path) -> Path:
    """deploy/nginx.conf as an nginx main config runnable by this user in ``tmp``."""
    site = (DEPLOY / "nginx.conf").read_text()
    proxy_params = "\n".join(
        line.removeprefix("#   ") for line in site.split("# /etc/nginx/lms_proxy_params:")[1].splitlines() if line
    )
    (tmp / "lms_proxy_params").write_text(proxy_params + "\n")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=lms.example.cn",
         "-keyout", str(tmp / "privkey.pem"), "-out", str(tmp / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    replacements = {
        "server 127.0.0.1:8000": f"server 127.0.0.1:{DJANGO_PORT}",
        "listen 80;": f"listen 127.0.0.1:{HTTP_PORT};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{HTTPS_PORT} ssl http2;",
        "/etc/ssl/lms/": f"{tmp}/",
        "/etc/nginx/lms_proxy_params": f"{tmp}/lms_proxy_params",
        "/srv/lms/var/media/": f"{media_root}/",
        "/srv/lms/var/static/": f"{tmp}/static/",
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx.conf no longer contains {old!r}: update this test"
        site = site.replace(old, new)
    (tmp / "static").mkdir(exist_ok=True)
    temp_paths = "\n".join(
        f"{kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    {temp_paths}
{site}
}}
"""
    path = tmp / "nginx.conf"
    path.write_text(main)
    return path


@pytest.fixture
def nginx(tmp_path, media_root):
    conf = render_config(tmp_path, media_root)
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{HTTP_PORT}/", timeout=1, proxies={"http": None})
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield f"https://127.0.0.1:{HTTPS_PORT}"
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def django_server(settings, monkeypatch):
    import django.test.testcases
    from pytest_django.live_server_helper import LiveServer

    # Django's live server answers MEDIA_URL itself from MEDIA_ROOT, past every check; the
    # production WSGI app has no such handler, so take it out to test what production runs.
    monkeypatch.setattr(django.test.testcases, "_MediaFilesHandler", lambda app: app)
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/media/"
    settings.ALLOWED_HOSTS = ["*"]
    server = LiveServer(f"127.0.0.1:{DJANGO_PORT}")
    try:
        yield server
    finally:
        server.stop()


def test_nginx_serves_lesson_media_only_to_members_allowed_to_watch(nginx, django_server, roles, media_root):
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    video = video_process_now(make_video(seconds=2))
    assert video.is_ready, video.error
    lesson = make_lesson(make_course(make_index()), video=video)
    document = get_document_model()(title="课件")
    document.file.save("党章学习课件.pdf", ContentFile(PDF), save=False)  # non-ASCII name through X-Accel
    document.save()
    LessonDocument.objects.create(lesson=lesson, document=document)
    rendition = video.renditions.get(height=360)
    files = {
        "master": video.master_playlist.name,
        "variant": rendition.playlist.name,
        "segment": rendition.playlist.name.replace("index.m3u8", "seg_00000.ts"),
        "audio": video.audio_playlist.name,
        "mp4": video.mp4.name,
        "poster": video.poster.name,
    }
    urls = {kind: f"/files/{name}" for kind, name in files.items()}
    urls["courseware"] = document.url
    original = f"/files/{video.original.name}"

    member_client = Client()
    member_client.force_login(roles.member_a_user)
    member = requests.Session()
    member.trust_env = False  # no proxies, no CA bundle from the environment: straight to 127.0.0.1
    member.cookies.set("sessionid", member_client.cookies["sessionid"].value)
    anonymous = requests.Session()
    anonymous.trust_env = False

    def get(session, url, **kw):
        return session.get(nginx + url, timeout=30, allow_redirects=False, verify=False, **kw)

    for kind, url in urls.items():
        refused = get(anonymous, url)
        assert refused.status_code in (401, 403), (kind, refused.status_code)
        assert b"#EXTM3U" not in refused.content and len(refused.content) < 2000

        allowed = get(member, url)
        assert allowed.status_code == 200, (kind, allowed.status_code, allowed.text[:200])
        expected = PDF if kind == "courseware" else (media_root / files[kind]).read_bytes()
        assert allowed.content == expected, kind
        assert "X-Accel-Redirect" not in allowed.headers  # nginx consumed it
        if kind != "courseware":
            assert "private" in allowed.headers["Cache-Control"], kind
    assert get(member, urls["master"]).headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert get(member, urls["segment"]).headers["Content-Type"] == "video/mp2t"
    assert get(member, urls["courseware"]).headers["Content-Type"] == "application/pdf"

    # nginx answers ranges itself: the fallback MP4 seeks.
    whole = (media_root / files["mp4"]).read_bytes()
    part = get(member, urls["mp4"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]

    # Originals: never, for anyone. The internal location cannot be asked for directly.
    assert get(anonymous, original).status_code in (401, 403)
    assert get(member, original).status_code in (401, 403)
    assert get(member, "/_protected/media/" + files["segment"]).status_code == 404
    assert get(member, f"/files/videos/{video.pk}/../originals/{Path(video.original.name).name}").status_code in (
        400,
        403,
        404,
    )

    # A URL copied out of the member's lesson page stops working for anyone else at once.
    page = get(member, lesson.url)
    assert page.status_code == 200
    for url in re.findall(r'(?:data-hls|data-mp4|poster|href)="(/(?:files|documents)/[^"]+)"', page.text):
        assert get(member, url).status_code == 200
        assert get(anonymous, url).status_code in (401, 403), url
