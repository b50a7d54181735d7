"""The processes `make run` starts (through `manage.py platform_run`), and the supervisor that
starts, watches and stops them.

Apps contribute processes: any installed app may define `<app>.processes.platform_processes(
options) -> list[PlatformProcess]` (the ops app's own list is below: the web server and the
Celery worker with its embedded beat). The supervisor starts each in its own process group,
forwards SIGINT/SIGTERM/SIGHUP as one stop signal to each, waits, and kills what is left of each group,
so Ctrl-C leaves nothing behind. If one process dies on its own, the others are stopped too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings


@dataclass
class PlatformProcess:
    """One long-running child: a name for the log, its command line, and how to stop it."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    stop_signal: int = signal.SIGTERM
    # Seconds to wait after the stop signal before the whole group is killed.
    stop_timeout: float = 15.0


def _bin(name: str) -> str:
    """A console script installed next to this Python (the venv's celery, gunicorn)."""
    return str(Path(sys.executable).with_name(name))


def platform_processes(options: dict) -> list[PlatformProcess]:
    """The platform's own: the web server and the Celery worker with embedded beat."""
    addr = f"{options.get('host', '0.0.0.0')}:{options.get('port', 8000)}"
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    return [
        PlatformProcess("web", [sys.executable, manage, "runserver", addr, "--noreload"]),
        PlatformProcess(
            "worker",
            [_bin("celery"), "-A", "lms", "worker", "-B", "-l", "warning", "--concurrency", "2"],
            stop_timeout=20.0,
        ),
    ]


def collect_processes(options: dict) -> list[PlatformProcess]:
    """Every installed app's processes, the web server and worker first."""
    found: list[PlatformProcess] = []
    configs = sorted(apps.get_app_configs(), key=lambda c: c.name != "lms.ops")
    for config in configs:
        module_name = f"{config.name}.processes"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        contribute = getattr(module, "platform_processes", None)
        if contribute is not None:
            found += contribute(options)
    return found


class Supervisor:
    """Runs the processes until a stop signal arrives or one of them exits."""

    def __init__(self, processes: list[PlatformProcess], log: Callable[[str], None] = print):
        self.processes = processes
        self.log = log
        self.children: list[tuple[PlatformProcess, subprocess.Popen]] = []
        self.stop_requested: int | None = None

    def _request_stop(self, signum, frame) -> None:
        # Only records the wish: the loop below does the stopping, once.
        if self.stop_requested is None:
            self.stop_requested = signum

    def run(self) -> int:
        previous = {s: signal.signal(s, self._request_stop) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        code = 0
        try:
            for proc in self.processes:
                child = subprocess.Popen(
                    proc.argv,
                    env={**os.environ, **proc.env},
                    cwd=settings.BASE_DIR,
                    start_new_session=True,  # its own process group: the terminal's Ctrl-C reaches only us
                )
                self.children.append((proc, child))
                self.log(f"已启动 {proc.name}（进程 {child.pid}）")
            while self.stop_requested is None:
                exited = [(p, c) for p, c in self.children if c.poll() is not None]
                if exited:
                    proc, child = exited[0]
                    self.log(f"{proc.name} 已退出（返回码 {child.returncode}），正在停止其余进程…")
                    code = child.returncode or 1
                    break
                time.sleep(0.2)
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return code

    def stop(self) -> None:
        """One stop signal to each leader (Celery, nginx and runserver stop their own children
        cleanly), a bounded wait, then SIGKILL to each whole group for stragglers."""
        for proc, child in self.children:
            if child.poll() is None:
                try:
                    os.kill(child.pid, proc.stop_signal)
                except ProcessLookupError:
                    pass
        for proc, child in self.children:
            deadline = time.monotonic() + proc.stop_timeout
            while child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            if child.poll() is None:
                self.log(f"{proc.name} 未在 {proc.stop_timeout:.0f} 秒内退出，强制结束。")
            # The leader may be gone while its children (e.g. Celery's pool or beat) linger.
            _signal_group(child.pid, signal.SIGKILL)
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
                pass
        self.children = []


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass
