"""Lesson heartbeats under load on gunicorn (from .venv, production settings) against the
database DATABASE_URL names (a fresh database is created and dropped).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/heartbeat.py

Preparation (not timed): migrate; a town, a branch, `--members` members with a session cookie
each (made with the session store, as a login would); a course with `--lessons` published
lessons whose (row-only) videos are ready and an hour long. Each client thread owns a slice
of the members and cycles through them with keep-alive connections, POSTing
/api/v1/lessons/<id>/heartbeat/ with the next 5 s interval of that member's lesson, as the
player does (JSON + X-CSRFToken). Every request goes through the full rule: row lock, interval
merge, wall-clock cap, StudyDay upsert. A request counts as an error unless it returns 200.
Each round runs for `--seconds`; the bench then checks that for every member the credited
StudyDay seconds equal the progress row's watched seconds (the rule's invariant).
Last line: key=value figures (heartbeat_rps = median over rounds; latencies over all rounds).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _util import ROOT, figures, free_port, fresh_database_url, manage, median, stop_server, wait_ready  # noqa: E402

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CSRF = "b" * 32  # a CSRF secret: cookie and header carry the same value, as a page would


def prepare(members: int, lessons: int) -> tuple[list[tuple[str, int]], list[int]]:
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
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
    backend = settings.AUTHENTICATION_BACKENDS[0]
    cookies = []
    for u in users:
        store = SessionStore()
        store[SESSION_KEY] = str(u.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = u.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}; csrftoken={CSRF}")
    return [(c, i) for i, c in enumerate(cookies)], lesson_ids


def one_round(port: int, clients: int, seconds: float, viewers, lesson_ids, position: dict, once=False) -> tuple:
    """`clients` threads, each cycling through its own slice of viewers for `seconds` (or,
    with `once`, sending one heartbeat per viewer)."""
    slices = [viewers[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(clients + 1)

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        i = 0
        mine = slices[k]
        while (i < len(mine)) if once else (time.monotonic() < stop):
            cookie, idx = mine[i % len(mine)]
            i += 1
            lesson = lesson_ids[idx % len(lesson_ids)]
            start = position.get(idx, 0.0)
            end = min(3600.0, start + 5.0)
            intervals = [[start, end]] if (end > start and not once) else []
            body = json.dumps({"intervals": intervals, "position": end if intervals else start})
            t0 = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    f"/api/v1/lessons/{lesson}/heartbeat/",
                    body=body,
                    headers={
                        "Cookie": cookie,
                        "X-CSRFToken": CSRF,
                        "Content-Type": "application/json",
                        "Host": "127.0.0.1",
                    },
                )
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            latencies[k].append(time.perf_counter() - t0)
            if ok:
                position[idx] = end
            else:
                failures[k] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    flat = [x for lat in latencies for x in lat]
    return len(flat) / wall, flat, sum(failures), len(flat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--lessons", type=int, default=4)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    url, drop = fresh_database_url("heartbeat")
    env = {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LMS_VAR_DIR": str(ROOT / "var" / "bench-heartbeat"),
    }
    os.environ.update(env)
    proc = None
    try:
        manage(url, "migrate", "--noinput", env=env)
        import django

        django.setup()
        import logging

        logging.getLogger("wagtail").setLevel(logging.WARNING)
        t0 = time.perf_counter()
        viewers, lesson_ids = prepare(args.members, args.lessons)
        prep_s = time.perf_counter() - t0
        from django.db import connection

        connection.close()
        port = free_port()
        proc = subprocess.Popen(
            [GUNICORN, "lms.wsgi:application", "-w", str(args.workers), "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_ready(port, proc)
        # Every member's first heartbeat opens the clock (as the player's "play" does).
        position: dict[int, float] = {}
        _, _, open_errors, _ = one_round(port, args.clients, 0.0, viewers, lesson_ids, {}, once=True)
        if open_errors:
            raise RuntimeError(f"{open_errors} opening heartbeats failed: " + proc.stderr.read1().decode()[-2000:])
        rps, all_lat, errors, total = [], [], 0, 0
        for r in range(1, args.rounds + 1):
            rate, lat, failed, n = one_round(port, args.clients, args.seconds, viewers, lesson_ids, position)
            rps.append(rate)
            all_lat += lat
            errors += failed
            total += n
            print(f"round {r}: {n} heartbeats in {args.seconds:.0f}s, {rate:.1f}/s, errors={failed}")

        from django.db.models import OuterRef, Subquery, Sum

        from courses.models import StudyDay, StudyProgress

        credited = (
            StudyDay.objects.filter(member_id=OuterRef("member_id"), lesson_id=OuterRef("lesson_id"))
            .values("member_id")
            .annotate(s=Sum("credited_seconds"))
            .values("s")
        )
        rows = StudyProgress.objects.annotate(credited=Subquery(credited)).values_list("watched_seconds", "credited")
        mismatched = sum(1 for watched, cred in rows if abs((cred or 0) - watched) > 0.01)
        credited_total = StudyDay.objects.aggregate(s=Sum("credited_seconds"))["s"] or 0
        all_lat.sort()
        p = lambda q: all_lat[min(len(all_lat) - 1, int(q * len(all_lat)))]  # noqa: E731
        print(
            figures(
                heartbeat_rps=median(rps),
                p50_s=p(0.5),
                p95_s=p(0.95),
                errors=errors,
                requests=total,
                mismatched_rows=mismatched,
                credited_s=float(credited_total),
                members=args.members,
                clients=args.clients,
                workers=args.workers,
                rounds=args.rounds,
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
