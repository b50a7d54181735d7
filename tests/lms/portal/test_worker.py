"""A real Celery worker process consumes from the configured broker (filesystem by default,
Redis in the second CI pass)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def test_worker_consumes_a_queued_task(tmp_path):
    env = {**os.environ, "LMS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
    celery = str(Path(sys.executable).with_name("celery"))
    token = uuid.uuid4().hex
    # A queue of its own: a shared broker (Redis in the second CI pass, or one a bench left
    # messages in) may hold other work on the default queue, which a solo worker would do first.
    queue = f"ping-{token}"
    # Queue first (the worker is not running yet): the message must wait in the broker.
    sender = (
        "import django; django.setup();from lms.ops.tasks import worker_ping;"
        f"worker_ping.apply_async(args=[{token!r}], queue={queue!r})"
    )
    subprocess.run([sys.executable, "-c", sender], env=env, cwd=settings.BASE_DIR, check=True, timeout=60)
    worker = subprocess.Popen(
        [celery, "-A", "lms", "worker", "--pool", "solo", "-l", "warning", "-Q", queue],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        ping = tmp_path / "worker_ping"
        while time.monotonic() < deadline and not (ping.exists() and ping.read_text() == token):
            time.sleep(0.5)
        assert ping.exists() and ping.read_text() == token
    finally:
        worker.terminate()
        worker.wait(timeout=30)
