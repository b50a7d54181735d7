"""Roster import throughput and memory: a 100,000-row member sheet (.xlsx, written with
openpyxl's write-only mode) imported — validation pass + confirmed apply in one transaction —
by the county's department staff, on a fresh database of the kind DATABASE_URL names.
Also times re-importing the same file (every row unchanged) and exporting it back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py

Each phase runs in its own child process with DEBUG off; peak memory is that process's
ru_maxrss (the whole Python process: interpreter, Django and the import)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import PYTHON, ROOT, figures, fresh_database_url, manage, median  # noqa: E402

CHILD_ENV = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": "bench-only-not-secret",
    "ALLOWED_HOSTS": "localhost",
    "CELERY_TASK_ALWAYS_EAGER": "1",
}


def _django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_generate(path: str, rows: int) -> None:
    """The sheet as a department would send it: a title row, the usual headers, mixed
    date notations and categories, branches by name (codes for a third)."""
    _django()
    import random

    from openpyxl import Workbook

    from lms.organizations.models import PartyOrganization

    branches = list(PartyOrganization.objects.filter(kind="branch").values_list("name", "code"))
    names = {}
    for name, _code in branches:
        names[name] = names.get(name, 0) + 1
    rng = random.Random(7)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员花名册")
    ws.append(["禹城市党员花名册（基准测试）"])
    ws.append(["序号", "姓名", "党员编号", "性别", "所在支部", "支部编码", "人员类别", "入党日期", "手机号"])
    cats = ["普通党员"] * 6 + ["村两委", "支部书记", "流动党员", "村两委、支部书记"]
    for i in range(rows):
        name, code = branches[i % len(branches)]
        by_code = i % 3 == 0 or names[name] > 1
        y, m, d = rng.randint(1960, 2024), rng.randint(1, 12), rng.randint(1, 28)
        date = [f"{y}-{m:02d}-{d:02d}", f"{y}/{m}/{d}", f"{y}年{m}月{d}日"][i % 3]
        ws.append(
            [
                i + 1,
                f"党员{i:06d}",
                f"BN{i:08d}",
                "男" if i % 2 else "女",
                "" if by_code else name,
                code if by_code else "",
                cats[i % len(cats)],
                date,
                f"13{rng.randint(0, 999999999):09d}",
            ]
        )
    wb.save(path)


def child_import(path: str, username: str) -> None:
    import resource

    _django()
    from django.core.files import File

    from lms.accounts.models import User
    from lms.roster.services import import_job_apply, import_job_confirm, import_job_create, import_job_validate

    user = User.objects.get(username=username)
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        job = import_job_create(user=user, upload=File(fh, name="bench.xlsx"), kind="members", run_async=False)
    job = import_job_validate(job=job)
    t1 = time.perf_counter()
    assert job.can_confirm, (job.file_errors, job.errors[:5])
    import_job_confirm(job=job, user=user, run_async=False)
    job = import_job_apply(job=job)
    t2 = time.perf_counter()
    assert job.status == "done", job.message
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": t2 - t0,
                "validate_s": t1 - t0,
                "apply_s": t2 - t1,
                "rows": job.total_rows,
                "created": job.created_count,
                "unchanged": job.unchanged_count,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def child_export(path: str, username: str) -> None:
    import resource

    _django()
    from lms.accounts.models import User
    from lms.roster.export import export_xlsx

    user = User.objects.get(username=username)
    t0 = time.perf_counter()
    with open(path, "wb") as fh:
        export_xlsx("members", user, fh)
    print(
        json.dumps(
            {"seconds": time.perf_counter() - t0, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        )
    )


def _child(database_url: str, *args: str) -> dict:
    env = {**os.environ, **CHILD_ENV, "DATABASE_URL": database_url}
    out = subprocess.run(
        [PYTHON, __file__, "--child", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        what, *rest = args.child
        {
            "generate": lambda: child_generate(rest[0], int(rest[1])),
            "import": lambda: child_import(*rest),
            "export": lambda: child_export(*rest),
        }[what]()
        return

    first, again, export = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        sheet = str(Path(tmp) / "members.xlsx")
        for run in range(args.runs):
            url, drop = fresh_database_url("import")
            try:
                manage(url, "migrate", "--noinput", "-v0")
                skip = [
                    a
                    for step in (
                        "teachers.demo",
                        "courses.demo",
                        "lms.training.demo",
                        "teachers.demo_evaluations",
                        "lms.quotas.demo",
                        "search.demo",
                    )
                    for a in ("--skip", step)
                ]
                manage(url, "seed_demo", "--members", "3000", *skip)
                env = {"LMS_VAR_DIR": str(Path(tmp) / "var")}
                os.environ.update(env)
                if run == 0:
                    _child(url, "generate", sheet, str(args.rows))
                    print(f"sheet: {Path(sheet).stat().st_size / 1e6:.1f} MB", flush=True)
                first.append(_child(url, "import", sheet, "zuzhibu"))
                again.append(_child(url, "import", sheet, "zuzhibu"))
                export.append(_child(url, "export", str(Path(tmp) / "export.xlsx"), "zuzhibu"))
                assert first[-1]["created"] == args.rows and again[-1]["unchanged"] == args.rows
                print(
                    f"run {run + 1}: import {first[-1]['seconds']:.1f}s ({first[-1]['peak_mb']:.0f} MB), "
                    f"re-import {again[-1]['seconds']:.1f}s, export {export[-1]['seconds']:.1f}s",
                    flush=True,
                )
            finally:
                drop()
    seconds = median([r["seconds"] for r in first])
    print(
        figures(
            rows=args.rows,
            runs=args.runs,
            seconds=seconds,
            rows_per_s=round(args.rows / seconds, 1),
            validate_s=median([r["validate_s"] for r in first]),
            apply_s=median([r["apply_s"] for r in first]),
            peak_mb=round(max(r["peak_mb"] for r in first + again), 1),
            reimport_s=median([r["seconds"] for r in again]),
            export_s=median([r["seconds"] for r in export]),
            export_peak_mb=round(max(r["peak_mb"] for r in export), 1),
        )
    )


if __name__ == "__main__":
    main()
