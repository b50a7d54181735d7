"""Lesson heartbeats under load: ours against an earlier commit and against a bare baseline, in
one run, rounds interleaved, on gunicorn (4 sync workers, production settings) and PostgreSQL,
driven by wrk on the same machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_study \\
    REDIS_CACHE_URL=redis://127.0.0.1:6379/3 CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/heartbeat.py [--before 8c98e3c] [--rounds 3] [--seconds 10] [--profile 300]

Sides (bench/_harness.py): "ours" is the code of `--ours` (default HEAD), "before" the code of
`--before` (optional), each extracted with `git archive`, migrated into its own fresh database
and prepared with its own code; "bare" is a minimal Django view with session authentication
and one row UPDATE (bench/bare/), served from ours' tree and database. Every side gets the
same gunicorn command and the same wrk load (`--threads`, `--connections`).

Preparation (not timed): a town, a branch, `--members` members with a session cookie each
(made with the configured session store, as a login would); a course with `--lessons`
published lessons whose (row-only) videos are ready and an hour long; every member's first
heartbeat opens the clock over HTTP. Each wrk connection cycles through its share of the
members, POSTing /api/v1/lessons/<id>/heartbeat/ with the next 5 s interval of that member's
lesson (JSON + X-CSRFToken), through the full rule: member clock lock, interval merge,
wall-clock caps, StudyDay upsert. Anything but 200 is an error. Afterwards, for every side,
the bench checks the rule's invariant: for every progress row the credited StudyDay seconds
equal the row's watched seconds.

`--profile N`: N heartbeats in process (Django test client, ours' tree and database) under
cProfile; prints the top functions and the queries of one heartbeat.

Last line: key=value figures — ours (heartbeat_rps = median over rounds, p50/p95 over all
rounds), before_* and bare_*, ratio_vs_bare, ratio_vs_before, the load average around the
rounds, errors and mismatched rows.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _harness import Server, database_for, drop_database, load_average, run_in, settle, tree_at, wrk  # noqa: E402
from _util import figures  # noqa: E402

HERE = Path(__file__).resolve().parent
CSRF = "b" * 32  # a CSRF secret: cookie and header carry the same value, as a page would
LUA = HERE / "wrk_viewers.lua"


def prepare(members: int, lessons: int, out: Path) -> None:
    """Runs inside a side's tree (its own code and database); writes "cookie<TAB>lesson" lines."""
    import datetime as dt
    from importlib import import_module

    import django

    django.setup()
    import logging

    logging.getLogger("wagtail").setLevel(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from wagtail.models import Page, Site

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from lms.accounts.models import User
    from lms.members.models import Member
    from lms.organizations.services import organization_create
    from lms.schools.models import PartySchool
    from media.models import Video

    city = PartySchool.objects.create(name="压测市委党校", tier="city")
    town = PartySchool.objects.create(name="压测镇党校", tier="town", parent=city, region="压测镇")
    root = organization_create(parent=None, name="压测县委", kind="committee")
    committee = organization_create(parent=root, name="压测镇党委", kind="committee", town=town)
    branch = organization_create(parent=committee, name="压测村党支部", kind="branch", town=town, sector="village")
    User.objects.bulk_create(
        [User(username=f"viewer{i:05d}", password="!unusable", display_name=f"学员{i}") for i in range(members)]
    )
    users = list(User.objects.filter(username__startswith="viewer").order_by("username"))
    Member.objects.bulk_create(
        [
            Member(user=u, name=u.display_name, member_no=f"H{i:07d}", branch=branch, join_date=dt.date(2010, 7, 1))
            for i, u in enumerate(users)
        ]
    )
    site = Site.objects.filter(is_default_site=True).first()
    home = site.root_page if site else Page.get_first_root_node()
    index = home.add_child(instance=CourseIndexPage(title="压测课程中心", slug="bench-courses"))
    course = index.add_child(instance=CoursePage(title="压测课程", slug="bench-course"))
    lesson_ids = []
    for n in range(lessons):
        video = Video.objects.create(
            title=f"压测视频{n}",
            original=f"videos/originals/bench{n}.mp4",
            status=Video.Status.READY,
            duration=3600.0,
            master_playlist=f"videos/bench{n}/master.m3u8",
            mp4=f"videos/bench{n}/fallback.mp4",
        )
        lesson = course.add_child(instance=LessonPage(title=f"压测第{n + 1}讲", slug=f"lesson-{n}", video=video))
        lesson_ids.append(lesson.pk)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    backend = session_backend()
    lines = []
    for i, u in enumerate(users):
        store = store_class()
        store[SESSION_KEY] = str(u.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = u.get_session_auth_hash()
        store.create()
        lines.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}\t{lesson_ids[i % len(lesson_ids)]}")
    out.write_text("\n".join(lines) + "\n")


def session_backend() -> str:
    """The first authentication backend that can load a session's user (a login would store it)."""
    from django.conf import settings
    from django.contrib.auth import load_backend

    return next(path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user"))


def open_clocks(port: int, viewers: list[tuple[str, str]], clients: int = 6) -> int:
    """Every member's first heartbeat, as the player's "play" sends it; returns failures."""
    failures = [0] * clients

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for cookie, lesson in viewers[k::clients]:
            conn.request(
                "POST",
                f"/api/v1/lessons/{lesson}/heartbeat/",
                body=json.dumps({"intervals": [], "position": 0}),
                headers={
                    "Cookie": f"{cookie}; csrftoken={CSRF}",
                    "X-CSRFToken": CSRF,
                    "Content-Type": "application/json",
                    "Host": "127.0.0.1",
                },
            )
            response = conn.getresponse()
            response.read()
            failures[k] += response.status != 200
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(failures)


MISMATCHED_SQL = """
    SELECT count(*) FROM courses_studyprogress p
    LEFT JOIN (SELECT member_id, lesson_id, sum(credited_seconds) AS s FROM courses_studyday GROUP BY 1, 2) d
      ON d.member_id = p.member_id AND d.lesson_id = p.lesson_id
    WHERE abs(coalesce(d.s, 0) - p.watched_seconds) > 0.01
"""


def invariant(url: str) -> tuple[int, float]:
    """(progress rows whose credited StudyDay seconds differ from watched seconds, credited total)."""
    import psycopg

    with psycopg.connect(url) as conn:
        mismatched = conn.execute(MISMATCHED_SQL).fetchone()[0]
        credited = conn.execute("SELECT coalesce(sum(credited_seconds), 0) FROM courses_studyday").fetchone()[0]
    return mismatched, float(credited)


def profile(count: int, viewers_file: Path) -> None:
    """Runs inside ours' tree: `count` heartbeats in process under cProfile."""
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    viewers = [line.split("\t") for line in viewers_file.read_text().splitlines()]
    clients = []
    for cookie, lesson in viewers[:50]:
        client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
        client.cookies["csrftoken"] = CSRF
        clients.append((client, lesson))
    position = [7000] * len(clients)  # beyond the bench's positions: fresh seconds

    def beat(k: int) -> None:
        client, lesson = clients[k % len(clients)]
        p = position[k % len(clients)] = position[k % len(clients)] + 5
        body = {"intervals": [[p % 3595, p % 3595 + 5]], "position": p % 3595 + 5}
        response = client.post(
            f"/api/v1/lessons/{lesson}/heartbeat/", body, content_type="application/json", HTTP_X_CSRFTOKEN=CSRF
        )
        assert response.status_code == 200, response.content

    for k in range(len(clients)):
        beat(k)  # warm
    with CaptureQueriesContext(connection) as queries:
        beat(0)
    print(f"one heartbeat: {len(queries.captured_queries)} queries")
    for q in queries.captured_queries:
        print("   ", q["sql"][:160])
    import time

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for k in range(count):
        beat(k)
    profiler.disable()
    per = (time.perf_counter() - t0) / count
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(28)
    print(out.getvalue())
    print(f"in-process heartbeat (profiled): {per * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--lessons", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (closed loop)")
    parser.add_argument("--ours", default="HEAD")
    parser.add_argument("--before", help="an earlier commit to serve side by side")
    parser.add_argument("--no-bare", action="store_true")
    parser.add_argument("--port", type=int, default=8301, help="first of three ports")
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--profile-inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.members, args.lessons, Path(args.prepare))
        return
    if args.profile_inner:
        profile(args.profile, Path(args.profile_inner))
        return

    sides = {"ours": tree_at(args.ours)}
    if args.before:
        sides["before"] = tree_at(args.before)
    dbname = os.environ["DATABASE_URL"].rstrip("/").rsplit("/", 1)[-1] or "bench"
    urls, servers, viewers = {}, {}, {}
    try:
        for port_offset, (side, tree) in enumerate(sides.items()):
            urls[side] = database_for(tree, f"{dbname}_hb_{side}")
            out = tree / "var" / "viewers.tsv"
            (tree / "var").mkdir(exist_ok=True)
            cmd = [sys.executable, "bench/heartbeat.py", "--prepare", str(out)]
            run_in(tree, cmd + ["--members", str(args.members), "--lessons", str(args.lessons)], urls[side])
            viewers[side] = out
            servers[side] = Server(tree, args.port + port_offset, urls[side], workers=args.workers)
        if not args.no_bare:
            servers["bare"] = Server(sides["ours"], args.port + 2, urls["ours"], "bare.settings", args.workers)
            viewers["bare"] = viewers["ours"]
        for server in servers.values():
            server.start()
        for side in sides:
            rows = [tuple(line.split("\t")) for line in viewers[side].read_text().splitlines()]
            failed = open_clocks(servers[side].port, rows)
            if failed:
                raise RuntimeError(f"{side}: {failed} opening heartbeats failed")
        if args.profile:
            print(
                run_in(
                    sides["ours"],
                    [
                        sys.executable,
                        "bench/heartbeat.py",
                        "--profile",
                        str(args.profile),
                        "--profile-inner",
                        str(viewers["ours"]),
                    ],
                    urls["ours"],
                )
            )
        results: dict[str, list] = {side: [] for side in servers}
        order = list(servers)
        for r in range(args.rounds):
            for side in order[r % len(order) :] + order[: r % len(order)]:
                mode = "bare" if side == "bare" else "heartbeat"
                result = wrk(
                    servers[side].port,
                    "/",
                    lua=LUA,
                    seconds=args.seconds,
                    threads=args.threads,
                    connections=args.connections,
                    args=[str(viewers[side]), mode, str(600 * (r + 1))],
                    env={"WRK_THREADS": str(args.threads)},
                )
                results[side].append(result)
                print(
                    f"round {r + 1} {side:6s}: {result.rps:7.1f}/s p50={result.p50_s * 1000:.1f}ms "
                    f"p95={result.p95_s * 1000:.1f}ms errors={result.errors} load={result.load:.2f}",
                    flush=True,
                )
                settle()
        checks = {side: invariant(urls[side]) for side in sides}
        for side, (mismatched, credited) in checks.items():
            print(f"{side}: mismatched_rows={mismatched} credited_s={credited:.1f}")

        def summary(side: str) -> dict:
            rs = results[side]
            return {
                "rps": statistics.median(r.rps for r in rs),
                "p50_s": statistics.median(r.p50_s for r in rs),
                "p95_s": max(r.p95_s for r in rs),
                "errors": sum(r.errors for r in rs),
            }

        ours = summary("ours")
        pairs = {
            "heartbeat_rps": ours["rps"],
            "p50_s": ours["p50_s"],
            "p95_s": ours["p95_s"],
            "errors": ours["errors"],
            "mismatched_rows": checks["ours"][0],
        }
        if "before" in results:
            before = summary("before")
            pairs.update(
                before_rps=before["rps"],
                before_p50_s=before["p50_s"],
                before_p95_s=before["p95_s"],
                before_errors=before["errors"],
                before_mismatched_rows=checks["before"][0],
                ratio_vs_before=ours["rps"] / before["rps"],
            )
        if "bare" in results:
            bare = summary("bare")
            pairs.update(
                bare_rps=bare["rps"],
                bare_p50_s=bare["p50_s"],
                bare_p95_s=bare["p95_s"],
                bare_errors=bare["errors"],
                ratio_vs_bare=ours["rps"] / bare["rps"],
            )
        loads = [r.load for rs in results.values() for r in rs]
        pairs.update(
            load_min=min(loads),
            load_max=max(loads),
            load_end=load_average(),
            members=args.members,
            workers=args.workers,
            wrk_connections=args.connections,
            rounds=args.rounds,
            round_s=args.seconds,
        )
        print(figures(**pairs))
    finally:
        for server in servers.values():
            server.stop()
        if not args.keep:
            for url in urls.values():
                drop_database(url)


if __name__ == "__main__":
    main()
