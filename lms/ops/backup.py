"""Backup and restore of the database and uploaded media (management commands `backup_create`
and `backup_restore` are thin wrappers around these functions).

A backup is one folder `var/backups/<UTC timestamp>/` holding:
- `db.dump`   — PostgreSQL: `pg_dump -Fc` (custom format, restored with `pg_restore`);
  `db.sqlite3` — SQLite: a consistent copy made with SQLite's online backup API;
- `media.tar.gz` — everything under MEDIA_ROOT (videos, HLS renditions, images, documents);
  skipped when media lives in S3-compatible storage (back that up with the bucket's versioning);
- `manifest.json` — when, which engine, and the row count of every table at backup time,
  which `backup_restore` compares against after restoring."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection, connections


class BackupError(Exception):
    pass


def table_row_counts(using: str = "default") -> dict[str, int]:
    conn = connections[using]
    counts = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _libpq_env(db: dict) -> dict:
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _media_in_s3() -> bool:
    return "s3" in settings.STORAGES["default"]["BACKEND"].lower()


def backup_create(*, output_dir: Path | None = None, include_media: bool = True) -> Path:
    """Write a new backup folder and return its path."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(output_dir or Path(settings.VAR_DIR) / "backups") / stamp
    target.mkdir(parents=True, exist_ok=False)
    db = settings.DATABASES["default"]
    manifest = {"created_at": stamp, "vendor": connection.vendor, "counts": table_row_counts(), "media": None}
    if connection.vendor == "postgresql":
        dump = target / "db.dump"
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(dump), db["NAME"]],
            env=_libpq_env(db),
            check=True,
            capture_output=True,
        )
        manifest["database"] = dump.name
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        dest = sqlite3.connect(target / "db.sqlite3")
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        manifest["database"] = "db.sqlite3"
    else:
        raise BackupError(f"不支持的数据库类型：{connection.vendor}")
    media_root = Path(settings.MEDIA_ROOT)
    if include_media and not _media_in_s3() and media_root.exists():
        with tarfile.open(target / "media.tar.gz", "w:gz") as tar:
            tar.add(media_root, arcname="media")
        manifest["media"] = "media.tar.gz"
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return target


def backup_restore(*, source: Path, include_media: bool = True) -> dict[str, tuple[int, int]]:
    """Restore the backup in `source` into the configured (empty or disposable) database and
    MEDIA_ROOT. Returns the tables whose row counts differ from the manifest (empty = good)."""
    source = Path(source)
    manifest_path = source / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"{source} 不是备份目录（缺少 manifest.json）")
    manifest = json.loads(manifest_path.read_text())
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"备份来自 {manifest['vendor']}，当前数据库是 {connection.vendor}")
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        connections.close_all()
        result = subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                db["NAME"],
                str(source / manifest["database"]),
            ],
            env=_libpq_env(db),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError("pg_restore 失败：" + result.stderr[-2000:])
    else:
        connections.close_all()
        src = sqlite3.connect(source / manifest["database"])
        dest = sqlite3.connect(db["NAME"])
        try:
            src.backup(dest)
        finally:
            src.close()
            dest.close()
    if include_media and manifest.get("media"):
        media_root = Path(settings.MEDIA_ROOT)
        staging = media_root.with_name(media_root.name + ".restoring")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with tarfile.open(source / manifest["media"], "r:gz") as tar:
            tar.extractall(staging, filter="data")
        old = media_root.with_name(media_root.name + ".before-restore")
        shutil.rmtree(old, ignore_errors=True)
        if media_root.exists():
            media_root.rename(old)
        (staging / "media").rename(media_root)
        shutil.rmtree(staging, ignore_errors=True)
    counts = table_row_counts()
    expected = manifest["counts"]
    return {
        table: (expected.get(table, 0), counts.get(table, 0))
        for table in set(expected) | set(counts)
        if expected.get(table, 0) != counts.get(table, 0)
    }
