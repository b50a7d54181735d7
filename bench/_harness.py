"""Side-by-side serving for the benches: the same gunicorn configuration and the same load
generator (wrk) for our endpoint, the code of an earlier commit, and a bare baseline — a
minimal Django view with session authentication and one row UPDATE (`bench/bare/`, served
with `bare.settings` = production settings + one bench-only URL; the production URLconf never
has it). Rounds are interleaved so that the load of a shared machine hits every side alike.

Reusable by any bench (heartbeats, sign-ins):

    trees = {"ours": tree_at("HEAD"), "before": tree_at("8c98e3c")}
    url = database_for(tree, "h_study_hb")                 # fresh database, migrated by that tree
    server = Server(tree, port=8301, database_url=url)      # gunicorn, 4 sync workers
    server.start(); result = wrk(port, "/path", lua="bench/wrk_heartbeat.lua", seconds=10)

A tree is the commit's files (`git archive`) under var/bench-trees/<sha>/, so half-finished
edits in the working tree never reach the server under test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from _util import ROOT, stop_server, wait_ready

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TREES = ROOT / "var" / "bench-trees"
BARE_BODY = Path(__file__).resolve().parent / "bare"


def load_average() -> float:
    return os.getloadavg()[0]


def tree_at(rev: str) -> Path:
    """The files of commit `rev` (with this bench/ directory copied in), extracted once."""
    sha = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    tree = TREES / sha[:12]
    if not (tree / "manage.py").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.Popen(["git", "archive", sha], cwd=ROOT, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout, check=True)
        archive.wait()
    shutil.copytree(Path(__file__).resolve().parent, tree / "bench", dirs_exist_ok=True)
    return tree


def database_for(tree: Path, name: str) -> str:
    """A fresh PostgreSQL database `name`_<random> migrated by `tree`'s code (DATABASE_URL
    names the server)."""
    base = urlparse(os.environ["DATABASE_URL"])
    db = f"{name}_{uuid.uuid4().hex[:6]}"
    admin = urlunparse(base._replace(path="/postgres"))
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = urlunparse(base._replace(path=f"/{db}"))
    run_in(tree, [PYTHON, "manage.py", "migrate", "--noinput"], url, settings="lms.settings.dev")
    return url


def drop_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.strip("/")}" WITH (FORCE)')


def server_env(tree: Path, database_url: str, settings: str = "lms.settings.production") -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": "bench-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LMS_VAR_DIR": str(tree / "var"),
        "PYTHONPATH": f"{tree}:{tree / 'bench'}",
    }


def run_in(tree: Path, cmd: list[str], database_url: str, settings: str = "lms.settings.production") -> str:
    done = subprocess.run(
        cmd, cwd=tree, env=server_env(tree, database_url, settings), capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed in {tree}:\n{done.stderr[-3000:]}")
    return done.stdout


@dataclass
class Server:
    """gunicorn with `workers` sync workers on 127.0.0.1:`port`, serving `tree`."""

    tree: Path
    port: int
    database_url: str
    settings: str = "lms.settings.production"
    workers: int = 4
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [GUNICORN, "lms.wsgi:application", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}"]
        cmd += ["--keep-alive", "5", "--preload"]
        (self.tree / "var").mkdir(exist_ok=True)
        self.log = self.tree / "var" / f"gunicorn-{self.port}.log"
        if not (self.tree / "var" / "static" / "staticfiles.json").exists():  # pages need the manifest
            run_in(self.tree, [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], self.database_url)
        # Both streams to the file: an unread pipe fills up and then blocks the server.
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.tree,
            env={**server_env(self.tree, self.database_url, self.settings), "LOG_LEVEL": "WARNING"},
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(self.port, self.proc)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.log.read_text()[-3000:]}") from None

    def stop(self) -> None:
        stop_server(self.proc)
        self.proc = None


@dataclass
class WrkResult:
    rps: float
    p50_s: float
    p95_s: float
    p99_s: float
    requests: int
    errors: int
    load: float


def wrk(
    port: int,
    path: str,
    *,
    lua: Path,
    seconds: float,
    threads: int = 2,
    connections: int = 8,
    args: list[str] = (),
    env: dict | None = None,
) -> WrkResult:
    """One closed-loop wrk run; the Lua script builds each request and prints its summary as
    JSON on a line starting with `WRK ` (see bench/wrk_heartbeat.lua)."""
    load = load_average()
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s"]
    cmd += ["-s", str(lua), f"http://127.0.0.1:{port}{path}", "--", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})})
    line = next((m for m in re.findall(r"^WRK (.*)$", done.stdout, re.M)), None)
    if line is None:
        raise RuntimeError("wrk printed no summary:\n" + done.stdout + done.stderr)
    data = json.loads(line)
    return WrkResult(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_s=data["p50_us"] / 1e6,
        p95_s=data["p95_us"] / 1e6,
        p99_s=data["p99_us"] / 1e6,
        requests=data["requests"],
        errors=data["errors"],
        load=load,
    )


def settle(seconds: float = 1.0) -> None:
    """A short pause between sides so that one side's tail does not land in the next."""
    time.sleep(seconds)
