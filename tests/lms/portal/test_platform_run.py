"""`make run` then Ctrl-C: a real SIGINT to the terminal's process group stops every process
the platform started (web server, Celery worker, its pool and embedded beat), and nothing is
left behind. Runs the real Makefile on a fresh SQLite database under tmp_path."""

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from lms.ops.processes import PlatformProcess, Supervisor, collect_processes

pytestmark = [pytest.mark.slow, pytest.mark.embedded]

PORT = 8703


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> dict[int, str]:
    """pid → command line of every process below `pid`."""
    tree, out, todo = _children(), {}, [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            try:
                out[child] = (Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
            except OSError:
                continue
            todo.append(child)
    return out


def alive(pid: int, cmdline: str) -> bool:
    """Still running (a zombie or a reused pid with another command line does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        now = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return state != "Z" and now == cmdline


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_make_run_then_ctrl_c_leaves_nothing_behind(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(LMS_VAR_DIR=str(tmp_path / "var"), PORT=str(PORT), SEED_ARGS="--members 50")
    log = (tmp_path / "make.log").open("wb")
    # Its own session, as a terminal's foreground job: Ctrl-C is SIGINT to the whole group.
    proc = subprocess.Popen(
        [make, "--no-print-directory", "run", f"PORT={PORT}", "SEED_ARGS=--members 50"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not _answers(f"http://127.0.0.1:{PORT}/healthz"):
            assert proc.poll() is None, (tmp_path / "make.log").read_text()[-3000:]
            time.sleep(1)
        assert _answers(f"http://127.0.0.1:{PORT}/healthz"), (tmp_path / "make.log").read_text()[-3000:]
        # Wait for Celery's pool processes and embedded beat to be forked as well.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            procs = descendants(proc.pid)
            if sum("celery" in c for c in procs.values()) >= 4:  # main, 2 pool processes, beat
                break
            time.sleep(1)
        procs = descendants(proc.pid)
        assert sum("celery" in c for c in procs.values()) >= 4, procs
        assert any("runserver" in c for c in procs.values()), procs

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        proc.wait(timeout=60)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p, c) for p, c in procs.items()):
            time.sleep(0.2)
        left = {p: c for p, c in procs.items() if alive(p, c)}
        assert left == {}, left
        output = (tmp_path / "make.log").read_text()
        assert "平台已停止" in output
        assert "Segmentation" not in output and "RecursionError" not in output
        assert not _answers(f"http://127.0.0.1:{PORT}/healthz")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        for pid, cmdline in descendants(proc.pid).items():
            if alive(pid, cmdline):
                os.kill(pid, signal.SIGKILL)


def test_supervisor_stops_the_rest_when_one_process_dies_and_kills_stragglers(tmp_path):
    """A process that exits brings the others down; one that ignores SIGTERM is killed."""
    stubborn = tmp_path / "stubborn.py"
    stubborn.write_text(
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "open(__file__ + '.started', 'w').close()\nwhile True: time.sleep(1)\n"
    )
    import sys

    processes = [
        PlatformProcess("stubborn", [sys.executable, str(stubborn)], stop_timeout=1.0),
        PlatformProcess("short", [sys.executable, "-c", "import time; time.sleep(2); raise SystemExit(3)"]),
    ]
    messages: list[str] = []
    started = time.monotonic()
    code = Supervisor(processes, log=messages.append).run()
    assert code == 3
    assert time.monotonic() - started < 20
    assert (tmp_path / "stubborn.py.started").exists()
    assert any("short 已退出" in m for m in messages)
    assert any("stubborn 未在" in m for m in messages)


def test_apps_contribute_processes():
    names = [p.name for p in collect_processes({"host": "127.0.0.1", "port": PORT})]
    assert names[:2] == ["web", "worker"]
