"""Fault injection with real processes (bounded in time, marked slow). Each test runs on its
own database and broker (see stack.py), on the engine and broker kind the suite runs on:
SQLite + filesystem broker in CI pass 1, PostgreSQL + Redis in pass 2. Results are recorded
in deploy/README.md ("Faults")."""

from __future__ import annotations

import base64
import time
import uuid
from urllib.parse import urlencode

import pytest

from .stack import MigratedTemplate, Stack, free_port, suite_uses_postgres, suite_uses_redis, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    template = MigratedTemplate(tmp_path_factory.mktemp("stack-template"))
    yield template
    template.drop()


@pytest.fixture
def stack(tmp_path, migrated):
    s = Stack(tmp_path)
    s.migrate(migrated)
    yield s
    s.close()


VIDEO_CREATE = """
from pathlib import Path
from django.core.files import File
from media.services import video_create
from media.testing import generate_clip
clip = generate_clip(Path({path!r}), seconds={seconds}, width=960, height=540)
with open(clip, "rb") as f:
    video = video_create(file=File(f, name="fault.mp4"), title="故障注入测试视频")
print(video.pk)
"""
VIDEO_STATE = """
from media.models import Video, Rendition
v = Video.objects.get(pk={pk})
heights = list(Rendition.objects.filter(video=v).values_list("height", flat=True))
import json; print(json.dumps({{"status": v.status, "progress": v.progress, "attempts": v.attempts, "heights": heights}}))
"""


def _state(stack, pk):
    import json

    return json.loads(stack.django(VIDEO_STATE.format(pk=pk)))


# --- (a) worker killed during a transcode ----------------------------------------------------------
def test_worker_killed_during_transcode_video_ends_ready_without_duplicates(stack, tmp_path):
    """SIGKILL the whole worker (main process, pool child and ffmpeg) mid-transcode. The
    video is left "processing", owned by a run that no longer exists. Recovery:
    - Redis: the unacknowledged message (acks_late) returns to the queue once its visibility
      timeout passes (10 s here, CELERY_VISIBILITY_TIMEOUT; swept every 10 s with
      CELERY_UNACKED_RESTORE_THROTTLE=1) and the new worker runs it;
    - filesystem broker: the message was deleted when the dead worker took it, so nothing can
      be redelivered; the periodic sweep `videos_requeue_stale` (beat) enqueues it again.
    Either way the media service's claim only lets a new run take the video once the dead run's
    window (media.services.processing_stale_after()) has passed; the test moves the claim's start
    time back by that window instead of waiting for it."""
    env = {
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "VIDEO_TRANSCODE_TIME_LIMIT": "120",
    }
    stack.env.update(env)
    # 12 s of 960x540 takes the one-pass ladder well over 10 s here: time to catch it mid-run.
    pk = int(stack.django(VIDEO_CREATE.format(path=str(tmp_path / "clip.mp4"), seconds=12)))
    worker = stack.worker()

    def transcoding():
        from media.models import Video

        rows = stack.sql(f"SELECT status, progress FROM {Video._meta.db_table} WHERE id = %s", (pk,))
        return rows and rows[0][0] == "processing" and rows[0][1] >= 1

    wait_for(transcoding, 180, interval=0.1, what="ffmpeg to be under way")
    stack.kill(worker)
    assert _state(stack, pk)["status"] == "processing"  # the dead run's claim stays behind

    stack.django(
        "import datetime as dt; from media.models import Video; from media.services import processing_stale_after;"
        f"Video.objects.filter(pk={pk}).update(processing_started_at=Video.objects.get(pk={pk}).processing_started_at"
        " - dt.timedelta(seconds=processing_stale_after() + 1))"
    )
    if not suite_uses_redis():
        out = stack.manage("videos_requeue_stale")
        assert "重新排队 1 个视频" in out
    stack.worker()
    final = wait_for(
        lambda: (s := _state(stack, pk))["status"] in ("ready", "failed") and s, 420, interval=1, what="video ready"
    )
    assert final["status"] == "ready", final
    assert final["attempts"] >= 2
    assert final["heights"] and len(final["heights"]) == len(set(final["heights"])), final


def test_requeue_sweep_leaves_live_and_finished_videos_alone(stack):
    """The sweep only picks videos whose run is past the live window or that never started."""
    out = stack.django(
        "import datetime as dt; from django.utils import timezone; from media.models import Video;"
        "from media.recovery import videos_requeue_stale;"
        "now = timezone.now();"
        "live = Video.objects.create(title='live', status='processing', processing_started_at=now);"
        "done = Video.objects.create(title='done', status='ready', processing_started_at=now - dt.timedelta(days=1));"
        "dead = Video.objects.create(title='dead', status='processing', processing_started_at=now - dt.timedelta(days=1));"
        "print(videos_requeue_stale() == [dead.pk])"
    )
    assert out == "True"


# --- (b) Redis restarted while tasks are queued --------------------------------------------------------
@pytest.mark.skipif(not suite_uses_redis(), reason="broker is not Redis (CI pass 2 runs it)")
def test_redis_restart_with_queued_tasks_loses_nothing(stack):
    """50 tasks queued with no worker, Redis SIGKILLed and restarted (append-only file, fsync
    always), then a worker starts; while it consumes, Redis is killed again and 50 more are
    queued after the restart. Every one of the 100 tasks runs (at least once).
    Messages the worker had taken but not acknowledged when Redis died (acks_late, prefetch)
    stay in Redis's unacked set and return to the queue once the visibility timeout passes
    (10 s here, swept every 10 s; 4 h by default)."""
    stack.env.update(CELERY_VISIBILITY_TIMEOUT="10", CELERY_UNACKED_RESTORE_THROTTLE="1")
    tokens = [uuid.uuid4().hex for _ in range(100)]
    enqueue = "from lms.ops.tasks import ops_probe\nfor t in {tokens!r}: ops_probe.delay(t)\nprint('ok')"
    assert stack.django(enqueue.format(tokens=tokens[:50])) == "ok"
    stack.redis.kill()
    stack.redis.start()
    stack.worker(concurrency=2)
    probe = stack.var / "ops_probe"
    wait_for(lambda: probe.exists() and len(list(probe.iterdir())) >= 10, 60, what="worker to start consuming")
    stack.redis.kill()
    time.sleep(2)
    stack.redis.start()
    assert stack.django(enqueue.format(tokens=tokens[50:])) == "ok"
    # Generous: the tasks prefetched when Redis died come back only after the visibility timeout
    # and the next sweep, later still on a loaded CI machine; what is checked is that none is lost.
    wait_for(lambda: {p.name for p in probe.iterdir()} >= set(tokens), 300, interval=1, what="all 100 tasks to run")


# --- (c) PostgreSQL connections dropped --------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.skipif(not suite_uses_postgres(), reason="needs PostgreSQL (CI pass 2)")
def test_requests_recover_after_postgres_terminates_connections(stack):
    """gunicorn keeps persistent connections (CONN_MAX_AGE); pg_terminate_backend kills them
    all. With CONN_HEALTH_CHECKS the next request on each worker reconnects: no errors."""
    stack.django(
        "from lms.accounts.models import User;"
        "u = User.objects.create(username='fault', display_name='故障'); u.set_password('Fault@2026'); u.save(); print(1)"
    )
    base = stack.gunicorn(workers=2, DB_CONN_MAX_AGE="600")
    auth = {"Authorization": "Basic " + base64.b64encode(b"fault:Fault@2026").decode()}
    for _ in range(6):
        assert stack.http(base + "/api/v1/me/", auth)[0] == 200
    killed = stack._psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE datname = '{stack.pg_name}' AND pid <> pg_backend_pid()"
    )
    assert int(killed.strip()) >= 1
    statuses = [stack.http(base + "/api/v1/me/", auth)[0] for _ in range(10)]
    statuses += [stack.http(base + "/healthz")[0] for _ in range(4)]
    assert statuses == [200] * 14, statuses


# --- (d) Elasticsearch unreachable ----------------------------------------------------------------------
def test_search_falls_back_to_the_database_when_elasticsearch_is_down(stack):
    """ELASTICSEARCH_URL points at a closed port: /healthz reports degraded (503, search not ok,
    database fallback) while the search API answers from the database."""
    closed = f"http://127.0.0.1:{free_port()}"
    stack.django(
        "from lms.accounts.models import User; from teachers.models import Teacher;"
        "u = User.objects.create(username='fault', display_name='故障', is_superuser=True, is_staff=True);"
        "u.set_password('Fault@2026'); u.save();"
        "Teacher.objects.create(name='欧阳明远', kind='expert', unit='市委党校', title='教授'); print(1)"
    )
    base = stack.gunicorn(workers=1, ELASTICSEARCH_URL=closed)
    status, health = stack.http(base + "/healthz")
    assert status == 503, health
    assert health["checks"]["database"]["ok"] and not health["checks"]["search"]["ok"]
    auth = {"Authorization": "Basic " + base64.b64encode(b"fault:Fault@2026").decode()}
    started = time.monotonic()
    status, result = stack.http(base + "/api/v1/search/?" + urlencode({"q": "欧阳明远"}), auth)
    assert status == 200, result
    assert "欧阳明远" in str(result)
    assert result.get("degraded") is True
    for _ in range(5):  # later searches skip the dead cluster quickly
        assert stack.http(base + "/api/v1/search/?" + urlencode({"q": "教授"}), auth)[0] == 200
    assert time.monotonic() - started < 60
