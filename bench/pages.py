"""Member page budgets at district scale: server time of the member home, a lesson page and
my-progress (the yearly quota page and the learning page), the course catalog and a course page for the demo member, in process
(Django test client: the whole middleware and view stack, no network), on a database with
101,599 members × 5 years of history made by `bench/coverage.py --keep`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_study .venv/bin/python bench/coverage.py --keep
    .venv/bin/python bench/pages.py --reuse postgres://…/h_study_coverage_… [--rev HEAD --rev 8c98e3c]

Each `--rev` is served from that commit's files (bench/_harness.py: `git archive`), so the
figures of several commits come from one run, interleaved page by page. Budget: p50 ≤ 30 ms.
Last line: key=value figures (`<page>_p50_s`, `<page>_p95_s`, `<page>_queries` per rev; the
first rev unprefixed, later ones prefixed `r2_`, `r3_`…) and the load average. `--profile home`
(or lesson, my_progress, my_learning) prints where that page's time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _harness import load_average, run_in, tree_at  # noqa: E402
from _util import figures  # noqa: E402

PAGES = ("home", "lesson", "my_progress", "my_learning", "catalog", "course")


def inner(runs: int, profile: str | None = None) -> None:
    """Inside one rev's tree: time every page `runs` times; print one JSON line. With `profile`
    (a page name) print that page's cProfile first (cumulative, the project's own functions)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from courses.models import CourseIndexPage, LessonPage
    from lms.accounts.models import User

    settings.DEBUG = False
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="dangyuan"))
    lesson = LessonPage.objects.live().order_by("path").first()
    urls = {"home": "/", "lesson": lesson.url, "my_progress": "/progress/me/", "my_learning": "/learn/me/"}
    # The catalog and a course page: with the lesson page, the pages a member browses most.
    urls.update(catalog=CourseIndexPage.objects.live().order_by("path").first().url, course=lesson.get_parent().url)
    if profile:
        import cProfile
        import pstats

        client.get(urls[profile])
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            client.get(urls[profile])
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(r"/(lms|courses|teachers|search|media)/", 40)
    out = {}
    for name, url in urls.items():
        response = client.get(url)  # warm
        assert response.status_code == 200, (url, response.status_code)
        queries = []  # counted at the cursor: DEBUG is off and requests reset Django's query log

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - t0)
        times.sort()
        out[name] = {
            "p50": statistics.median(times),
            "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
            "queries": len(queries),
        }
    print("PAGES " + json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", required=True, help="a database kept by bench/coverage.py --keep")
    parser.add_argument("--rev", action="append", help="commit(s) to serve (default HEAD)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("--profile", choices=PAGES, help="also print this page's cProfile (first rev, first round)")
    args = parser.parse_args()
    if args.inner:
        inner(args.runs, args.profile)
        return
    revs = args.rev or ["HEAD"]
    trees = {rev: tree_at(rev) for rev in revs}
    run_in(
        trees[revs[0]], [sys.executable, "manage.py", "migrate", "--noinput"], args.reuse, settings="lms.settings.dev"
    )
    results: dict[str, list[dict]] = {rev: [] for rev in revs}
    loads = []
    for _ in range(args.rounds):
        for rev, tree in trees.items():
            loads.append(load_average())
            cmd = [sys.executable, "bench/pages.py", "--inner", "--reuse", args.reuse, "--runs", str(args.runs)]
            if args.profile and rev == revs[0] and not results[rev]:
                cmd += ["--profile", args.profile]
            stdout = run_in(tree, cmd, args.reuse, settings="lms.settings.dev")
            if "--profile" in cmd:
                print(stdout.split("PAGES ")[0], flush=True)
            line = next(x for x in stdout.splitlines() if x.startswith("PAGES "))
            results[rev].append(json.loads(line[6:]))
            print(f"{rev}: {line[6:]} load={loads[-1]:.2f}", flush=True)
    pairs = {}
    for k, rev in enumerate(revs):
        prefix = "" if k == 0 else f"r{k + 1}_"
        for page in PAGES:
            rounds = results[rev]
            pairs[f"{prefix}{page}_p50_s"] = statistics.median(r[page]["p50"] for r in rounds)
            pairs[f"{prefix}{page}_p95_s"] = statistics.median(r[page]["p95"] for r in rounds)
            pairs[f"{prefix}{page}_queries"] = rounds[-1][page]["queries"]
    pairs.update(load_min=min(loads), load_max=max(loads), revs=",".join(revs), members_db=os.path.basename(args.reuse))
    print(figures(**pairs))


if __name__ == "__main__":
    main()
