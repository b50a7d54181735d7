"""Sign-in burst: 500 enrolled members open the QR link at the same moment, on gunicorn
(4 sync workers, production settings, PostgreSQL from DATABASE_URL, Redis cache/sessions from
REDIS_CACHE_URL when set), side by side with the bare baseline of bench/_harness.py (a minimal
Django view with session authentication and one row UPDATE) on the same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_CACHE_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/signin.py --members 500 --rounds 3

The server runs the committed code (`--rev`, default HEAD; `git archive` under var/bench-trees)
so half-finished edits in the shared tree never reach it; `--before REV` serves a second commit
beside it (its own gunicorn and database), rounds interleaved. The data of each commit is made
by that commit's own code, in a subprocess (`--prepare`): a fresh database migrated by it; a
town school, 500 members with a login session each (made with the configured session engine,
as a login would); per round one published class with one session open for sign-in now (one
sign-in per class day: a round is its own class), everyone enrolled. The driver imports no
project code, so any two commits compare in one run.

Round 0 warms the workers up and is not counted (a node in service has served pages before a
class starts). Each round: 500 requests leave one asyncio loop at once, each on its own
connection, GET /training/s/<token>/ with the member's cookie (the page a phone opens); then,
after a pause, the same 500 clients POST the bare view at once. A request is an error unless
it answers 200 (ours: with "签到成功"); after each round the session must have exactly one
attendance row per member (checked in SQL).

`--profile N` instead signs N members in through Django's test client in the tree's process
under cProfile and prints where the time goes (run it before optimizing).

Last line: key=value figures (rps = requests/s of a burst, median over rounds; latency
percentiles over all rounds; ratio_rps = ours ÷ bare throughput, ratio_p95 = bare p95 ÷ ours;
ratio_vs_before = ours ÷ --before throughput; client_cpu_ms = the generator's CPU per request).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _harness import PYTHON, Server, database_for, drop_database, load_average, server_env, settle, tree_at  # noqa: E402
from _util import figures, median  # noqa: E402

SETTINGS = "signin_bench_settings"


def prepare(members: int, rounds: int) -> tuple[list[int], list[str], str]:
    """Members with sessions; one class + open session per round. Returns session ids, the
    Cookie header of each member (session + CSRF cookie) and each member's CSRF token."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from lms.accounts.models import User
    from lms.members.models import Member
    from lms.organizations.services import organization_create
    from lms.schools.models import PartySchool
    from lms.training.models import ClassSession, Enrollment, TrainingClass

    city = PartySchool.objects.create(name="压测市委党校", tier="city")
    town = PartySchool.objects.create(name="压测镇党校", tier="town", parent=city, region="压测镇")
    root = organization_create(parent=None, name="压测县委", kind="committee")
    committee = organization_create(parent=root, name="压测镇党委", kind="committee", town=town)
    branch = organization_create(parent=committee, name="压测村党支部", kind="branch", sector="village", town=town)
    User.objects.bulk_create(
        [User(username=f"signer{i:04d}", password="!unusable", display_name=f"学员{i}") for i in range(members)]
    )
    users = list(User.objects.filter(username__startswith="signer").order_by("username"))
    Member.objects.bulk_create(
        [
            Member(user=u, name=u.display_name, member_no=f"B{i:07d}", branch=branch, join_date=dt.date(2010, 7, 1))
            for i, u in enumerate(users)
        ]
    )
    today = timezone.localdate()
    now = timezone.now()
    session_ids = []
    for r in range(rounds):
        c = TrainingClass.objects.create(
            title=f"压测班次{r + 1}",
            school=town,
            start_date=today,
            end_date=today,
            capacity=members,
            status=TrainingClass.Status.PUBLISHED,
            is_compliant=True,
        )
        s = ClassSession.objects.create(
            training_class=c,
            kind=ClassSession.Kind.OPTIONAL,
            title=f"第{r + 1}轮",
            starts_at=now - dt.timedelta(minutes=5),
            ends_at=now + dt.timedelta(hours=3),
        )
        session_ids.append(s.pk)
        Enrollment.objects.bulk_create([Enrollment(training_class=c, member=m) for m in Member.objects.all()])
    from django.contrib.auth import load_backend

    # The backend a real password login records: the first that can load users (a throttling
    # backend such as axes' only refuses attempts).
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(b), "get_user"))
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    cookies, tokens = [], []
    for u in users:
        store = store_class()
        store[SESSION_KEY] = str(u.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = u.get_session_auth_hash()
        store.create()
        token = get_random_string(32)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={token}")
        tokens.append(token)
    return session_ids, cookies, tokens


def burst(port: int, requests: list[tuple[str, str, dict]], ok_text: str = "") -> tuple[float, list[float], int, float]:
    """All requests at once from one asyncio loop (each its own connection, opened after the
    start, `Connection: close`): 500 phones share none of the server's CPU, so the generator
    should take as little of it as it can — 500 threads cost the server a third of a core.
    Latency of each request counts from the common start, so time the generator spends
    reaching a request counts against the server. Returns wall time, latencies, errors and
    the generator's own CPU seconds."""
    import asyncio

    n = len(requests)
    latencies = [0.0] * n
    failed = [0] * n
    ok = ok_text.encode()

    async def one(i: int, t0: float) -> None:
        method, path, headers = requests[i]
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += "Content-Length: 0\r\n" if method == "POST" else ""
        head += "Connection: close\r\n\r\n"
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
            writer.write(head.encode("utf-8"))
            await writer.drain()
            body = await asyncio.wait_for(reader.read(), timeout=120)
            writer.close()
            status = body[9:12]
            if status != b"200" or (ok and ok not in body):
                failed[i] = 1
        except (TimeoutError, OSError):
            failed[i] = 1
        latencies[i] = time.perf_counter() - t0

    async def run() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i, t0) for i in range(n)))
        return time.perf_counter() - t0

    cpu0 = time.process_time()
    wall = asyncio.run(run())
    return wall, latencies, sum(failed), time.process_time() - cpu0


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def profile(n: int, session_id: int, cookies: list[str]) -> None:
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lms.training import signin

    clients = []
    for cookie in cookies[:n]:
        client = Client(HTTP_HOST="127.0.0.1")
        for part in cookie.split("; "):
            key, value = part.split("=", 1)
            client.cookies[key] = value
        if (
            clients
        ):  # one handler: its middleware chain (whitenoise scans the static files) is built once, as in a worker
            client.handler = clients[0].handler
        clients.append(client)
    path = f"/training/s/{signin.token_for(session_id)}/"
    clients[0].get(path)  # warm up imports and templates
    with CaptureQueriesContext(connection) as queries:
        clients[1].get(path)
    print(f"queries per sign-in: {len(queries)}")
    for q in queries.captured_queries:
        print(f"  {q['time']}s {q['sql'][:160]}")
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for client in clients[2:]:
        assert "签到成功" in client.get(path).content.decode()
    prof.disable()
    per = (time.perf_counter() - t0) / max(1, len(clients) - 2)
    stats = pstats.Stats(prof).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    stats.print_stats(45)
    print(figures(profile_ms_per_signin=per * 1000, queries=len(queries)))


def prepare_in(tree: Path, url: str, members: int, rounds: int, profile_n: int = 0) -> dict:
    """Run this file inside `tree` (that commit's code, models and secret) to make the data: the
    driver itself imports no project code, so any two commits can be compared in one run."""
    cmd = [PYTHON, str(tree / "bench" / "signin.py"), "--prepare", "--members", str(members)]
    cmd += ["--rounds", str(rounds), "--profile", str(profile_n)]
    done = subprocess.run(cmd, cwd=tree, env=server_env(tree, url, SETTINGS), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"preparation in {tree} failed:\n{done.stderr[-3000:]}")
    if profile_n:
        print(done.stdout)
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare_here(members: int, rounds: int, profile_n: int) -> None:
    """--prepare: in the tree's own process; prints the driver's data as JSON (last line)."""
    import django

    django.setup()
    session_ids, cookies, tokens = prepare(members if not profile_n else profile_n + 2, rounds)
    if profile_n:
        profile(profile_n + 2, session_ids[0], cookies)
        return
    from lms.training import signin

    paths = [f"/training/s/{signin.token_for(sid)}/" for sid in session_ids]
    print(json.dumps({"session_ids": session_ids, "paths": paths, "cookies": cookies, "tokens": tokens}))


def rows_wrong(url: str, session_id: int, members: int) -> int:
    """How far the session's attendance is from exactly one present row per member (raw SQL:
    the driver runs no project code)."""
    import psycopg

    with psycopg.connect(url) as conn:
        total, present = conn.execute(
            "SELECT count(*), count(DISTINCT member_id) FILTER (WHERE present) FROM training_attendance "
            "WHERE session_id = %s",
            [session_id],
        ).fetchone()
    return abs(members - present) + (total - present)


@dataclass
class Side:
    name: str
    rev: str
    tree: Path
    url: str
    data: dict
    server: Server
    rps: list = field(default_factory=list)
    lat: list = field(default_factory=list)
    errors: int = 0
    wrong: int = 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--rev", default="HEAD", help="commit whose code the server runs")
    parser.add_argument("--before", default="", help="a second commit, served beside it, rounds interleaved")
    parser.add_argument("--profile", type=int, default=0, help="profile N sign-ins in process instead")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_here(args.members, args.rounds, args.profile)
        return

    sides: list[Side] = []
    try:
        for i, (name, rev) in enumerate([("ours", args.rev)] + ([("before", args.before)] if args.before else [])):
            tree = tree_at(rev)
            # bare.settings (production + the bare view), with plain static storage: no collectstatic
            # in a bench, and the sign-in page only renders the CSS link.
            (tree / "bench" / "signin_bench_settings.py").write_text(
                "from bare.settings import *  # noqa\n"
                "STORAGES = {**STORAGES, 'staticfiles': "
                "{'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}  # noqa: F405\n"
                # The tokens are signed at preparation, minutes before the last round (a QR
                # token lives 90 s in production); checking costs the same whatever the age.
                "TRAINING_SIGNIN_TOKEN_MAX_AGE = 3600\n"
            )
            url = database_for(tree, f"h_training_signin_{name}")
            server = Server(tree, port=args.port + i, database_url=url, settings=SETTINGS, workers=args.workers)
            sides.append(Side(name, rev, tree, url, {}, server))
            t0 = time.perf_counter()
            # Round 0 warms the workers up (a node in service has served pages before the class).
            sides[-1].data = prepare_in(tree, url, args.members, args.rounds + 1, args.profile)
            prep_s = time.perf_counter() - t0
        if args.profile:
            return
        for side in sides:
            side.server.start()
        ours = sides[0]
        members = len(ours.data["cookies"])
        bare_rps, bare_lat, bare_errors, loads, client_cpu = [], [], 0, [], []
        for r in range(args.rounds + 1):
            warm = r == 0
            loads.append(load_average())
            for side in sides:
                d = side.data
                reqs = [("GET", d["paths"][r], {"Cookie": c, "Host": "127.0.0.1"}) for c in d["cookies"]]
                wall, lat, failed, cpu = burst(side.server.port, reqs, "签到成功")
                wrong = rows_wrong(side.url, d["session_ids"][r], len(d["cookies"]))
                tag = "warm-up" if warm else f"round {r}"
                print(f"{tag} {side.name}: {wall:.2f}s, {members / wall:.1f}/s, errors={failed}, wrong_rows={wrong}")
                if not warm:
                    side.rps.append(members / wall)
                    side.lat += lat
                    side.errors += failed
                    side.wrong += wrong
                    client_cpu.append(cpu / members)
                settle(2)
            bare = [
                ("POST", f"/bench/bare/{i}/", {"Cookie": c, "Host": "127.0.0.1", "X-CSRFToken": t})
                for i, (c, t) in enumerate(zip(ours.data["cookies"], ours.data["tokens"], strict=True))
            ]
            wall, lat, failed, cpu = burst(ours.server.port, bare)
            print(f"{'warm-up' if warm else f'round {r}'} bare: {wall:.2f}s, {members / wall:.1f}/s, errors={failed}")
            if not warm:
                bare_errors += failed
                bare_rps.append(members / wall)
                bare_lat += lat
            settle(2)
        out = dict(
            signin_rps=median(ours.rps),
            p50_s=percentile(ours.lat, 0.5),
            p95_s=percentile(ours.lat, 0.95),
            max_s=max(ours.lat),
            errors=ours.errors,
            wrong_rows=ours.wrong,
        )
        for side in sides[1:]:
            out.update(
                before_rps=median(side.rps),
                before_p95_s=percentile(side.lat, 0.95),
                before_errors=side.errors,
                before_wrong_rows=side.wrong,
                ratio_vs_before=median(ours.rps) / median(side.rps),
            )
        out.update(
            bare_rps=median(bare_rps),
            bare_p95_s=percentile(bare_lat, 0.95),
            bare_errors=bare_errors,
            ratio_rps=median(ours.rps) / median(bare_rps),
            ratio_p95=percentile(bare_lat, 0.95) / percentile(ours.lat, 0.95),
            client_cpu_ms=1000 * median(client_cpu),
            members=members,
            rounds=args.rounds,
            workers=args.workers,
            load=median(loads),
            prepare_s=prep_s,
        )
        print(figures(**out))
    finally:
        for side in sides:
            if side.server.proc is not None:
                side.server.stop()
            if not args.keep:
                drop_database(side.url)


if __name__ == "__main__":
    main()
