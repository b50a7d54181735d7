"""Backup and restore round trip with real processes: seed a small data set, back up, wipe,
restore into a fresh database (a separate database on PostgreSQL), compare every table's row
count and the uploaded files."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings

pytestmark = pytest.mark.slow
BASE_DIR = Path(settings.BASE_DIR)
COUNTS = "import django, json; django.setup(); from lms.ops.backup import table_row_counts; print(json.dumps(table_row_counts()))"


def _run(env, *args, timeout=600):
    result = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{args}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _counts(env) -> dict:
    return json.loads(_run(env, "-c", COUNTS).strip().splitlines()[-1])


def _psql(sql: str, server: dict):
    env = {**os.environ, "PGHOST": server["HOST"] or "127.0.0.1", "PGPORT": str(server["PORT"] or 5432)}
    env["PGUSER"] = server["USER"] or "postgres"
    if server.get("PASSWORD"):
        env["PGPASSWORD"] = server["PASSWORD"]
    subprocess.run(["psql", "-qtAc", sql, "postgres"], env=env, check=True, capture_output=True, timeout=60)


@pytest.fixture
def databases(tmp_path):
    """(source URL, restore-target URL) on the engine the suite runs on."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    server = settings.DATABASES["default"]
    tag = uuid.uuid4().hex[:8]
    names = [f"lms_backup_src_{tag}", f"lms_backup_dst_{tag}"]
    for name in names:
        _psql(f"CREATE DATABASE {name}", server)
    base = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    auth = base["USER"] + (f":{base['PASSWORD']}" if base.get("PASSWORD") else "")
    host = f"{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}"
    try:
        yield tuple(f"postgres://{auth}@{host}/{name}" for name in names)
    finally:
        for name in names:
            _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", server)


def test_backup_wipe_restore_keeps_every_row_and_file(tmp_path, databases):
    source_url, target_url = databases
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "LMS_VAR_DIR": str(var),
        "DATABASE_URL": source_url,
    }
    _run(env, "manage.py", "migrate", "--noinput", "-v0")
    _run(env, "manage.py", "seed_demo", "--members", "60", "--skip", "courses.demo", "--skip", "search.demo")
    media = var / "test-media"
    clip = media / "videos" / "originals" / "课程视频.mp4"
    clip.parent.mkdir(parents=True, exist_ok=True)
    clip.write_bytes(os.urandom(256 * 1024))
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    before = _counts(env)
    assert before["members_member"] >= 60 and before["schools_partyschool"] > 0

    backup_dir = Path(_run(env, "manage.py", "backup_create").strip().splitlines()[-1])
    assert backup_dir.parent == var / "backups"
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["counts"] == before and manifest["media"] == "media.tar.gz"

    # Wipe: the media folder goes, and the restore target is a new, empty database.
    shutil.rmtree(media)
    if source_url.startswith("sqlite"):
        Path(source_url.removeprefix("sqlite:///")).unlink()
    restore_env = {**env, "DATABASE_URL": target_url}
    out = _run(restore_env, "manage.py", "backup_restore", str(backup_dir), "--yes")
    assert "恢复完成" in out
    after = _counts(restore_env)
    assert after == before
    assert hashlib.sha256(clip.read_bytes()).hexdigest() == digest
    # The restored database serves the site: the demo administrator can still log in.
    probe = (
        "import django; django.setup(); from django.contrib.auth import authenticate;"
        "print(authenticate(username='admin', password='Demo@2026') is not None)"
    )
    assert _run(restore_env, "-c", probe).strip().splitlines()[-1] == "True"


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.test", "LMS_VAR_DIR": str(tmp_path / "var")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "backup_restore", str(tmp_path), "--yes"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "不是备份目录" in result.stderr
