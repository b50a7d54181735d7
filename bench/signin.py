"""Sign-in burst: 500 enrolled members open the QR link at the same moment, on gunicorn
(4 sync workers, production settings, PostgreSQL from DATABASE_URL, Redis cache/sessions from
REDIS_CACHE_URL when set), side by side with the bare baseline of bench/_harness.py (a minimal
Django view with session authentication and one row UPDATE) on the same server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_CACHE_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/signin.py --members 500 --rounds 3

The server runs the committed code (`--rev`, default HEAD; `git archive` under var/bench-trees)
so half-finished edits in the shared tree never reach it. Preparation (not timed): a fresh
database migrated by that code; a town school, 500 members with a login session each (made with
the configured session engine, as a login would); per round one published class with one
session open for sign-in now (one sign-in per class day: a round is its own class), everyone
enrolled. Each round: 500 client threads wait at a barrier, then each GETs /training/s/<token>/
with its own cookie (the page a phone opens); then, after a pause, the same 500 clients POST
the bare view at once. A request is an error unless it answers 200 (ours: with "签到成功");
after each round the session must have exactly one attendance row per member.

`--profile N` instead signs N members in through Django's test client in this process under
cProfile and prints where the time goes (run it before optimizing).

Last line: key=value figures (rps = requests/s of a burst, median over rounds; latency
percentiles over all rounds; ratio_rps = ours ÷ bare throughput, ratio_p95 = bare p95 ÷ ours).
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _harness import Server, database_for, drop_database, load_average, server_env, settle, tree_at  # noqa: E402
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


def burst(port: int, requests: list[tuple[str, str, dict]], ok_text: str = "") -> tuple[float, list[float], int]:
    """All requests at once (threads released by a barrier); returns wall time, latencies, errors."""
    n = len(requests)
    barrier = threading.Barrier(n + 1)
    latencies = [0.0] * n
    failed = [0] * n

    def worker(i: int) -> None:
        method, path, headers = requests[i]
        barrier.wait()
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request(method, path, body=b"" if method == "POST" else None, headers=headers)
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            if resp.status != 200 or (ok_text and ok_text not in body):
                failed[i] = 1
            conn.close()
        except OSError:
            failed[i] = 1
        latencies[i] = time.perf_counter() - t0

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, sum(failed)


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
        if clients:  # one handler: its middleware chain (whitenoise scans the static files) is built once, as in a worker
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
    stats = pstats.Stats(prof).sort_stats("cumulative")
    stats.print_stats(45)
    print(figures(profile_ms_per_signin=per * 1000, queries=len(queries)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--rev", default="HEAD", help="commit whose code the server runs")
    parser.add_argument("--profile", type=int, default=0, help="profile N sign-ins in process instead")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    threading.stack_size(256 * 1024)
    tree = tree_at(args.rev)
    # bare.settings (production + the bare view), with plain static storage: no collectstatic
    # in a bench, and the sign-in page only renders the CSS link.
    (tree / "bench" / "signin_bench_settings.py").write_text(
        "from bare.settings import *  # noqa\n"
        "STORAGES = {**STORAGES, 'staticfiles': "
        "{'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}  # noqa: F405\n"
    )
    url = database_for(tree, "h_training_signin")
    os.environ.update(server_env(tree, url, SETTINGS))
    # This process prepares data and signs tokens with the same code the server runs.
    sys.path[:0] = [str(tree), str(tree / "bench")]
    server = None
    try:
        import django

        django.setup()
        t0 = time.perf_counter()
        session_ids, cookies, tokens = prepare(args.members if not args.profile else args.profile + 2, args.rounds)
        prep_s = time.perf_counter() - t0
        if args.profile:
            profile(args.profile + 2, session_ids[0], cookies)
            return
        from django.db import connection

        connection.close()
        server = Server(tree, port=args.port, database_url=url, settings=SETTINGS, workers=args.workers)
        server.start()
        from lms.training import signin
        from lms.training.models import Attendance

        ours_rps, bare_rps, ours_lat, bare_lat, errors, bare_errors, wrong_rows = [], [], [], [], 0, 0, 0
        loads = []
        for r, sid in enumerate(session_ids, start=1):
            loads.append(load_average())
            path = f"/training/s/{signin.token_for(sid)}/"
            wall, lat, failed = burst(
                args.port, [("GET", path, {"Cookie": c, "Host": "127.0.0.1"}) for c in cookies], "签到成功"
            )
            rows = Attendance.objects.filter(session_id=sid, present=True).values("member_id").distinct().count()
            total = Attendance.objects.filter(session_id=sid).count()
            wrong_rows += abs(len(cookies) - rows) + (total - rows)
            errors += failed
            ours_rps.append(len(cookies) / wall)
            ours_lat += lat
            print(f"round {r} ours: {wall:.2f}s, {len(cookies) / wall:.1f}/s, errors={failed}, rows={total}")
            settle(2)
            bare = [
                ("POST", f"/bench/bare/{i}/", {"Cookie": c, "Host": "127.0.0.1", "X-CSRFToken": t})
                for i, (c, t) in enumerate(zip(cookies, tokens, strict=True))
            ]
            wall, lat, failed = burst(args.port, bare)
            bare_errors += failed
            bare_rps.append(len(cookies) / wall)
            bare_lat += lat
            print(f"round {r} bare: {wall:.2f}s, {len(cookies) / wall:.1f}/s, errors={failed}")
            settle(2)
        print(
            figures(
                signin_rps=median(ours_rps),
                p50_s=percentile(ours_lat, 0.5),
                p95_s=percentile(ours_lat, 0.95),
                max_s=max(ours_lat),
                errors=errors,
                wrong_rows=wrong_rows,
                bare_rps=median(bare_rps),
                bare_p95_s=percentile(bare_lat, 0.95),
                bare_errors=bare_errors,
                ratio_rps=median(ours_rps) / median(bare_rps),
                ratio_p95=percentile(bare_lat, 0.95) / percentile(ours_lat, 0.95),
                members=len(cookies),
                rounds=args.rounds,
                workers=args.workers,
                load=median(loads),
                prepare_s=prep_s,
                db=connection.vendor,
            )
        )
    finally:
        if server is not None:
            server.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
