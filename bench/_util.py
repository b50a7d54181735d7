"""Helpers shared by the benches: a fresh database per run, medians, the key=value last line."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable


def fresh_database_url(tag: str) -> tuple[str, callable]:
    """A new empty database of the kind DATABASE_URL names (SQLite file by default).
    Returns the URL and a function that drops it."""
    base = os.environ.get("DATABASE_URL", "")
    name = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
    if base.startswith("postgres"):
        parsed = urlparse(base)
        # DATABASE_URL=…/h_study names the bench databases h_study_<tag>_… (one prefix per user).
        prefix = parsed.path.strip("/")
        if prefix and prefix != "postgres":
            name = f"{prefix}_{tag}_{uuid.uuid4().hex[:8]}"
        admin = urlunparse(parsed._replace(path="/postgres"))
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return urlunparse(parsed._replace(path=f"/{name}")), drop
    path = ROOT / "var" / "bench" / f"{name}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)

    def drop_file():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    return f"sqlite:///{path}", drop_file


def manage(database_url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "lms.settings.dev", **(env or {})}
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=full_env, check=True, capture_output=True, text=True
    )


def median(values) -> float:
    return float(statistics.median(values))


def figures(**pairs) -> str:
    parts = []
    for key, value in pairs.items():
        parts.append(f"{key}={value:.4f}" if isinstance(value, float) else f"{key}={value}")
    return " ".join(parts)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the gunicorn under test answers /healthz (200 or 503)."""
    import http.client
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            raise RuntimeError("gunicorn exited early: " + tail)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
