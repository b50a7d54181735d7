"""Real processes for the fault and load tests: an isolated var/ folder, a fresh database
(SQLite file, or a new PostgreSQL database on the suite's server), the configured broker
kind (filesystem, or a private redis-server on a free port), Celery workers and gunicorn.
Nothing here touches the shared services' data: own database, own Redis process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import dj_database_url
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.3, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def suite_uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def suite_uses_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis")


class RedisServer:
    """A private redis-server (append-only file, fsync on every write) that can be killed and
    restarted on the same port and data folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, 20, what="redis-server")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


class Stack:
    def __init__(self, tmp_path: Path, *, broker: str | None = None):
        self.tmp = tmp_path
        self.var = tmp_path / "var"
        self.var.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen] = []
        self.redis: RedisServer | None = None
        self.pg_name: str | None = None
        if suite_uses_postgres():
            server = settings.DATABASES["default"]
            self.pg_name = f"lms_ops_fault_{uuid.uuid4().hex[:8]}"
            self._psql(f"CREATE DATABASE {self.pg_name}")
            base = dj_database_url.parse(os.environ["DATABASE_URL"])
            auth = base["USER"] + (f":{base['PASSWORD']}" if base.get("PASSWORD") else "")
            self.database_url = (
                f"postgres://{auth}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{self.pg_name}"
            )
        else:
            self.database_url = f"sqlite:///{self.var / 'db.sqlite3'}"
        broker = broker or ("redis" if suite_uses_redis() else "filesystem")
        if broker == "redis":
            self.redis = RedisServer(tmp_path / "redis")
            self.redis.start()
            self.broker_url = self.redis.url
        else:
            self.broker_url = "filesystem://"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS", "CELERY_BROKER"))
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="lms.settings.dev",
            LMS_VAR_DIR=str(self.var),
            DATABASE_URL=self.database_url,
            CELERY_BROKER_URL=self.broker_url,
            CELERY_TASK_ALWAYS_EAGER="0",
            ELASTICSEARCH_URL="",
            LOG_LEVEL="WARNING",
        )

    # --- helpers ---------------------------------------------------------------------------
    def _psql(self, sql: str, db: str = "postgres") -> str:
        server = settings.DATABASES["default"]
        env = {**os.environ, "PGHOST": server["HOST"] or "127.0.0.1", "PGPORT": str(server["PORT"] or 5432)}
        env["PGUSER"] = server["USER"] or "postgres"
        if server.get("PASSWORD"):
            env["PGPASSWORD"] = server["PASSWORD"]
        return subprocess.run(
            ["psql", "-qtAc", sql, db], env=env, check=True, capture_output=True, text=True, timeout=60
        ).stdout

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Query the stack's database directly (fast polling, no Django start-up)."""
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return conn.execute(query, params).fetchall()
        import sqlite3

        conn = sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=30)
        try:
            return conn.execute(query.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()

    def manage(self, *args: str, timeout: float = 300, **env) -> str:
        return self.python("manage.py", *args, timeout=timeout, **env)

    def python(self, *args: str, timeout: float = 300, **env) -> str:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=BASE_DIR,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{args[:2]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        return result.stdout

    def migrate(self, template: MigratedTemplate | None = None) -> None:
        """Bring the stack's fresh database to the current schema: a copy of `template`
        (migrated once per test session) when given, else `manage.py migrate`."""
        if template is None:
            self.manage("migrate", "--noinput", "-v0")
        elif self.pg_name:
            self._psql(f"DROP DATABASE {self.pg_name}")
            self._psql(f"CREATE DATABASE {self.pg_name} TEMPLATE {template.source(self)}")
        else:
            import shutil

            shutil.copyfile(template.source(self), self.var / "db.sqlite3")

    def django(self, code: str, **env) -> str:
        """Run `code` with Django set up; returns the last line printed."""
        out = self.python("-c", "import django; django.setup()\n" + code, **env)
        return out.strip().splitlines()[-1] if out.strip() else ""

    def worker(self, *, concurrency: int = 1, **env) -> subprocess.Popen:
        proc = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "lms",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "-l",
                "warning",
                "-I",
                "media.recovery",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"fault-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=BASE_DIR,
            env={**self.env, **env},
            stdout=open(self.tmp / "worker.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def gunicorn(self, *, workers: int = 2, **env) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "lms.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env={**self.env, **env},
            stdout=open(self.tmp / "gunicorn.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: self.http(base + "/healthz")[0] in (200, 503), 60, what="gunicorn")
        return base

    @staticmethod
    def http(url: str, headers: dict | None = None) -> tuple[int, dict | str]:
        request = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode()
        except OSError:
            return 0, ""
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        """SIGKILL the process and everything it started (its own session/process group)."""
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=20)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill(proc)
        if self.redis:
            self.redis.kill()
        if self.pg_name:
            self._psql(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")


class MigratedTemplate:
    """One migrated database per test session that stacks copy (PostgreSQL: CREATE DATABASE
    … TEMPLATE; SQLite: a file copy) instead of running every migration again (~20 s each)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.name: str | None = None  # PostgreSQL database name, or SQLite file path

    def source(self, stack: Stack) -> str:
        if self.name is None:
            if stack.pg_name:
                name = f"lms_ops_tmpl_{uuid.uuid4().hex[:8]}"
                stack._psql(f"CREATE DATABASE {name}")
                url = stack.database_url.rsplit("/", 1)[0] + f"/{name}"
                stack.manage("migrate", "--noinput", "-v0", DATABASE_URL=url)
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                name = str(self.folder / "template.sqlite3")
                stack.manage("migrate", "--noinput", "-v0", DATABASE_URL=f"sqlite:///{name}")
            self.name = name
        return self.name

    def drop(self) -> None:
        if self.name and not self.name.endswith(".sqlite3"):
            server = settings.DATABASES["default"]
            env = {**os.environ, "PGHOST": server["HOST"] or "127.0.0.1", "PGPORT": str(server["PORT"] or 5432)}
            env["PGUSER"] = server["USER"] or "postgres"
            if server.get("PASSWORD"):
                env["PGPASSWORD"] = server["PASSWORD"]
            subprocess.run(
                ["psql", "-qtAc", f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", "postgres"],
                env=env,
                check=False,
                capture_output=True,
                timeout=60,
            )
