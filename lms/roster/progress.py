"""Progress of a running import. The apply runs inside one database transaction, so a
progress counter written to the ImportJob row would stay invisible until the end; it is
written to a small file under the import directory instead (shared by web and worker on
one host) and read by the status views."""

from __future__ import annotations

import json
import os

from .storage import import_dir


def _path(job_id: int):
    folder = import_dir() / "progress"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{job_id}.json"


def progress_write(job_id: int, *, phase: str, done: int, total: int) -> None:
    path = _path(job_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"phase": phase, "done": done, "total": total}))
    os.replace(tmp, path)


def progress_read(job_id: int) -> dict | None:
    try:
        return json.loads(_path(job_id).read_text())
    except (FileNotFoundError, ValueError):
        return None


def progress_clear(job_id: int) -> None:
    _path(job_id).unlink(missing_ok=True)


def progress_percent(job_id: int) -> int:
    data = progress_read(job_id)
    if not data or not data.get("total"):
        return 0
    return max(0, min(99, int(100 * data["done"] / data["total"])))
