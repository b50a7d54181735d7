"""QR sign-in under load: one class session, 500 enrolled members signing in at once, on
gunicorn (from .venv, several sync workers, production settings) and the database
DATABASE_URL names (a fresh database is created and dropped).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/signin.py

Preparation (not timed): migrate; a town school, branch, 500 members with logins and a
session cookie each (made with the session store, as a login would); one published class with
one session per round, all open for sign-in now, every member enrolled. Each round: a fresh
rotating token for that round's session; 500 client threads wait at a barrier and then each
open the QR link /training/s/<token>/ with their own cookie (the real page a phone opens).
A request counts as an error unless it returns 200 with "签到成功"; after the round the bench
also checks that the session has exactly 500 attendance rows. Last line: key=value figures
(signin_rps = requests/s of a round, median over rounds; latency percentiles over all).
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
import uuid
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _util import ROOT, figures, fresh_database_url, manage, median, stop_server, wait_ready  # noqa: E402

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def prepare(members: int, rounds: int) -> tuple[list[int], list[str], str]:
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

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
    users = User.objects.bulk_create(
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
    c = TrainingClass.objects.create(
        title="压测班次",
        school=town,
        start_date=today,
        end_date=today,
        capacity=members,
        status=TrainingClass.Status.PUBLISHED,
        is_compliant=True,
    )
    now = timezone.now()
    sessions = ClassSession.objects.bulk_create(
        [
            ClassSession(
                training_class=c,
                kind=ClassSession.Kind.OPTIONAL,
                title=f"第{r + 1}轮",
                starts_at=now - dt.timedelta(minutes=5),
                ends_at=now + dt.timedelta(hours=3),
            )
            for r in range(rounds)
        ]
    )
    Enrollment.objects.bulk_create([Enrollment(training_class=c, member=m) for m in Member.objects.all()])
    backend = settings.AUTHENTICATION_BACKENDS[0]
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806 - the configured engine
    cookies = []
    for u in users:
        store = SessionStore()
        store[SESSION_KEY] = str(u.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = u.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return [s.pk for s in sessions], cookies, settings.SESSION_COOKIE_NAME


def one_round(port: int, path: str, cookies: list[str]) -> tuple[float, list[float], int]:
    n = len(cookies)
    barrier = threading.Barrier(n + 1)
    latencies = [0.0] * n
    failed = [0] * n

    def worker(i: int) -> None:
        barrier.wait()
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", path, headers={"Cookie": cookies[i], "Host": "127.0.0.1"})
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            if resp.status != 200 or "签到成功" not in body:
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
    wall = time.perf_counter() - t0
    return wall, latencies, sum(failed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=18731)
    args = parser.parse_args()

    threading.stack_size(256 * 1024)
    url, drop = fresh_database_url("signin")
    var_dir = ROOT / "var" / "bench-signin"
    var_dir.mkdir(parents=True, exist_ok=True)
    # Production settings, except static files without the hashed manifest (no collectstatic
    # step in a bench; pages only render the CSS link).
    (var_dir / "signin_bench_settings.py").write_text(
        "from lms.settings.production import *  # noqa\n"
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
    )
    env = {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "signin_bench_settings",
        "PYTHONPATH": os.pathsep.join([str(var_dir), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LMS_VAR_DIR": str(var_dir),
    }
    os.environ.update(env)
    sys.path.insert(0, str(var_dir))
    proc = None
    try:
        manage(url, "migrate", "--noinput", env=env)
        import django

        django.setup()
        t0 = time.perf_counter()
        session_ids, cookies, _ = prepare(args.members, args.rounds)
        prep_s = time.perf_counter() - t0
        from django.db import connection

        connection.close()
        log_path = Path(env["LMS_VAR_DIR"]) / "gunicorn.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
        proc = subprocess.Popen(
            [
                GUNICORN,
                "lms.wsgi:application",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        wait_ready(args.port, proc)
        from lms.training import signin
        from lms.training.models import Attendance

        rps, all_lat, errors, missing = [], [], 0, 0
        for r, sid in enumerate(session_ids, start=1):
            path = f"/training/s/{signin.token_for(sid)}/"
            wall, lat, failed = one_round(args.port, path, cookies)
            rows = Attendance.objects.filter(session_id=sid, present=True).count()
            missing += len(cookies) - rows
            errors += failed
            rps.append(len(cookies) / wall)
            all_lat += lat
            print(
                f"round {r}: {wall:.2f}s for {len(cookies)} sign-ins, {len(cookies) / wall:.1f}/s, errors={failed}, rows={rows}"
            )
        all_lat.sort()
        p = lambda q: all_lat[min(len(all_lat) - 1, int(q * len(all_lat)))]  # noqa: E731
        print(
            figures(
                signin_rps=median(rps),
                errors=errors,
                missing_rows=missing,
                p50_s=p(0.5),
                p95_s=p(0.95),
                max_s=all_lat[-1],
                members=len(cookies),
                rounds=args.rounds,
                workers=args.workers,
                prepare_s=prep_s,
                db=connection.vendor,
            )
        )
    finally:
        stop_server(proc)
        from django.db import connections

        connections.close_all()
        drop()


if __name__ == "__main__":
    main()
