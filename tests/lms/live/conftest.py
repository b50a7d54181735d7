"""A project nginx-rtmp on free ports for live tests (skipped only where the machine has no
nginx/RTMP module — `make test` installs both, so CI always runs them)."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler

from lms.live import conf, nginx


def free_port(candidates: range) -> int:
    for port in list(candidates) + [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


class LiveNginx:
    def __init__(self, var: Path, rtmp_port: int, http_port: int, process: subprocess.Popen):
        self.var, self.rtmp_port, self.http_port, self.process = var, rtmp_port, http_port, process

    @property
    def rtmp_url(self) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def push(self, stream: str, key: str, seconds: float) -> subprocess.Popen:
        """An ffmpeg test source (picture + tone), 2 s keyframes like an OBS set-up."""
        return subprocess.Popen(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-re"]
            + ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440"]
            + ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p"]
            + ["-c:a", "aac", "-b:a", "64k", "-f", "flv", f"{self.rtmp_url}/{stream}?key={key}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )


def _wait_http(url: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not answer {url}")


@pytest.fixture
def live_nginx(live_server, settings, tmp_path):
    reason = conf.unavailable_reason()
    if reason:
        pytest.skip(reason)
    var = tmp_path / "live"
    rtmp_port, http_port = free_port(range(19350, 19360)), free_port(range(8801, 8820))
    settings.LIVE_VAR_DIR = str(var)
    settings.LIVE_HLS_BASE_URL = f"http://127.0.0.1:{http_port}"
    settings.LIVE_RTMP_PUBLIC_URL = f"rtmp://127.0.0.1:{rtmp_port}/live"
    settings.LIVE_RTMP_PORT = rtmp_port
    settings.LIVE_HTTP_PORT = http_port
    paths = nginx.write(
        var=var, rtmp_port=rtmp_port, http_port=http_port, listen_host="127.0.0.1", callback_base=live_server.url
    )
    process = subprocess.Popen(nginx.command(paths), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{http_port}/healthz")
        yield LiveNginx(var, rtmp_port, http_port, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def db_turns(monkeypatch):
    """One thread at a time on the test database.

    With SQLite's in-memory test database the live server thread and the test thread share one
    connection (Django's documented caveat), so a request nginx or the browser makes while the
    test reads interleaves their savepoints ("no such savepoint"). Every live-server request
    holds this lock; the test holds it around its own reads and writes. Harmless on PostgreSQL.
    """
    lock = threading.RLock()
    call = WSGIHandler.__call__

    def serialized(self, environ, start_response):
        with lock:
            return call(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", serialized)
    yield lock
    while True:  # a failed test may still hold it: let waiting requests finish
        try:
            lock.release()
        except RuntimeError:
            break
