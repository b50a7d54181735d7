"""Load test: gunicorn (production settings, 3 sync workers) on the database DATABASE_URL names
(a fresh one is created and dropped) and the broker CELERY_BROKER_URL names, driven over
loopback by a threaded HTTP client at increasing concurrency until throughput stops growing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres CELERY_BROKER_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/load.py [--members 3000] [--steps 4,8,16,32,48] [--step-seconds 20]

Scenario (closed loop, no think time — each virtual user sends its next request as soon as the
last one answers): 90 % members, 10 % staff.
- members: home page, the course catalog page (the nav links it directly; until 2026-12-02
  this bench asked /learn/ and counted its redirect without following it), a course page, a
  lesson page, watch heartbeats (POST /api/v1/lessons/<id>/heartbeat/, ~40 %), own progress
  (API), sign-in with the QR
  token of a session open now (POST /api/v1/training/signin/);
- staff (town school staff and county department staff): home dashboards, coverage
  dashboard, training classes list and API.
Everyone logs in through the real login form first (session cookie + CSRF, as a browser).
Requests carry X-Forwarded-Proto: https, as the reverse proxy would.

Per step: requests/s, p50/p95/p99 latency, errors (5xx, connection failures, any 4xx but 429)
and throttled answers (429, the DRF heartbeat/sign-in throttles — counted apart, not errors).
Saturation: the smallest concurrency reaching 90 % of the best throughput; the last line reports
that step's figures (rps, percentiles) and the error rate over the whole run.

`--people 500,1000,2000`: instead of the closed loop, Locust with real think times
(bench/locustfile.py: a heartbeat every 15 s, another page every ~30 s, class sign-ins arriving
over a minute, staff dashboards); the last line gives the most concurrent people one node held
with p95 < 300 ms and no failures (`people_held`).

The broker is the bench's own (Redis database 8 above, not CI's 7): the demo seed queues
points/quota refresh tasks that no worker of the bench consumes, and they stay there.
Seeding takes ~5 minutes: `--keep` keeps a copy of the seeded PostgreSQL database and prints its
URL; `--reuse URL` runs on a fresh copy of it. `--reuse URL --rev 981a0e4 --rev HEAD` measures
several commits in one run (each served from its own files, on its own copy of the data)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _util import PYTHON, ROOT, figures, fresh_database_url  # noqa: E402

PASSWORD = "Load@2026"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cache_url_for(broker: str) -> str:
    if broker.startswith("redis://"):
        parsed = urlparse(broker)
        return f"redis://{parsed.netloc}/13"
    return ""


# --- preparation (in this process, with Django) ---------------------------------------------------
def prepare(env: dict, members: int, users: int, seeded: bool = False, keep: bool = False) -> dict:
    """Seed (unless `seeded`: a copy of a kept database), then create `users` member logins and
    open one class session for sign-ins."""
    run = lambda *a: subprocess.run([PYTHON, "manage.py", *a], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: E731
    t0 = time.monotonic()
    run("collectstatic", "--noinput", "-v0")
    if not seeded:
        run("migrate", "--noinput", "-v0")
        run("seed_demo", "--members", str(members))
        print(f"prepared: migrate + collectstatic + seed_demo --members {members} in {time.monotonic() - t0:.0f}s")
        if keep:
            kept = _copy_database(env["DATABASE_URL"], "keep")
            print(f"kept the seeded database for --reuse: {kept}", flush=True)
    os.environ.update(env)
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from lms.accounts.models import User
    from lms.members.models import Member
    from lms.training import signin
    from lms.training.models import ClassSession, Enrollment, TrainingClass

    hashed = make_password(PASSWORD)
    chosen = list(Member.objects.filter(user__isnull=True, is_active=True).order_by("id")[:users])
    created = User.objects.bulk_create(
        [User(username=f"load{i}", display_name=m.name, password=hashed) for i, m in enumerate(chosen)]
    )
    for member, user in zip(chosen, created, strict=True):
        member.user = user
    Member.objects.bulk_update(chosen, ["user"])
    session = (
        ClassSession.objects.filter(training_class__status=TrainingClass.Status.PUBLISHED)
        .order_by("id")
        .select_related("training_class")
        .first()
    )
    token_info = {}
    if session is not None:
        now = timezone.now()
        length = session.ends_at - session.starts_at
        ClassSession.objects.filter(pk=session.pk).update(
            starts_at=now - dt.timedelta(minutes=10),
            ends_at=now - dt.timedelta(minutes=10) + max(length, dt.timedelta(hours=3)),
        )
        Enrollment.objects.bulk_create(
            [Enrollment(training_class=session.training_class, member=m) for m in chosen], ignore_conflicts=True
        )
        # Tokens rotate; like the sign-in screen, hand out the current one at each scan.
        token_info = {"session": session.pk, "token": lambda pk=session.pk: signin.token_for(pk)}
    # Heartbeats only make sense on lessons whose video is ready; positions stay inside it.
    lessons = [
        (pk, float(duration or 0))
        for pk, duration in LessonPage.objects.live().filter(video__status="ready").values_list("id", "video__duration")
    ]
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend

    def cookie(user) -> str:
        """A session as a login makes it (for Locust: people log in once, not every step)."""
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = next(
            path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
        )
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    lesson_pages = LessonPage.objects.live().filter(video__status="ready").select_related("video")
    return {
        "member_cookies": [cookie(u) for u in created],
        "staff_cookies": [cookie(u) for u in User.objects.filter(username__in=["lunzhen", "zuzhibu", "fangsi"])],
        "lessons": [(p.pk, float(p.video.duration or 0), p.url) for p in lesson_pages],
        "members": [f"load{i}" for i in range(len(created))],
        "staff": ["lunzhen", "zuzhibu", "fangsi"],
        # The nav's 课程 link is the catalog page itself (courses.selectors.catalog_url).
        "catalog_url": getattr(CourseIndexPage.objects.live().order_by("path").first(), "url", "/learn/"),
        "course_urls": [p.url for p in CoursePage.objects.live()[:20]],
        "lesson_urls": [p.url for p in LessonPage.objects.live()[:40]],
        "lesson_ids": lessons,
        **token_info,
    }


# --- the HTTP client --------------------------------------------------------------------------------
@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    throttled: int = 0


class Browser:
    """One user's keep-alive connection with cookies, CSRF and the proxy's headers."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        all_headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET":
            all_headers.setdefault("Origin", self.origin)
            all_headers.setdefault("Referer", self.origin + "/")
            if "csrftoken" in self.cookies:
                all_headers.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
        status, _ = self.request("POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login {username} failed: {status}")


def member_actions(data: dict, rng: random.Random):
    position = {"t": 0.0}

    def heartbeat(browser):
        lesson, duration = rng.choice(data["lesson_ids"])
        start = position["t"] % max(1.0, duration - 1.0)
        position["t"] += 1
        end = min(duration, start + 1.0)
        body = json.dumps({"intervals": [[start, end]], "position": end}).encode()
        return browser.request(
            "POST", f"/api/v1/lessons/{lesson}/heartbeat/", body, {"Content-Type": "application/json"}
        )

    def sign_in(browser):
        token = data["token"]() if "token" in data else "x"
        body = json.dumps({"token": token}).encode()
        return browser.request("POST", "/api/v1/training/signin/", body, {"Content-Type": "application/json"})

    actions = [
        (10, lambda b: b.request("GET", "/")),
        (15, lambda b: b.request("GET", data["catalog_url"])),
        (10, lambda b: b.request("GET", rng.choice(data["course_urls"] or ["/learn/"]))),
        (10, lambda b: b.request("GET", rng.choice(data["lesson_urls"] or ["/learn/"]))),
        (40, heartbeat),
        (5, lambda b: b.request("GET", "/api/v1/me/progress/")),
        (5, sign_in),
    ]
    if not data["lesson_ids"]:
        actions = [a for a in actions if a[1] is not heartbeat]
    return actions


def staff_actions(data: dict, rng: random.Random):
    return [
        (30, lambda b: b.request("GET", "/")),
        (30, lambda b: b.request("GET", "/progress/coverage/")),
        (20, lambda b: b.request("GET", "/training/")),
        (20, lambda b: b.request("GET", "/api/v1/training/classes/")),
    ]


def run_step(browsers: list, data: dict, seconds: float) -> Result:
    result = Result()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(index: int, browser: Browser, is_staff: bool):
        rng = random.Random(index)
        actions = staff_actions(data, rng) if is_staff else member_actions(data, rng)
        weights = [w for w, _ in actions]
        local = Result()
        while time.monotonic() < deadline:
            action = rng.choices(actions, weights)[0][1]
            started = time.perf_counter()
            try:
                status, _ = action(browser)
            except Exception:  # noqa: BLE001 - a failed request is an error, counted
                local.errors += 1
                continue
            local.latencies.append(time.perf_counter() - started)
            local.statuses[status] = local.statuses.get(status, 0) + 1
            if status == 429:
                local.throttled += 1
            elif status >= 400:
                local.errors += 1
        with lock:
            result.latencies += local.latencies
            result.errors += local.errors
            result.throttled += local.throttled
            for k, v in local.statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    threads = [threading.Thread(target=user, args=(i, b, is_staff)) for i, (b, is_staff) in enumerate(browsers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def _copy_database(url: str, tag: str) -> str:
    """A new PostgreSQL database made from `url` as its template (seconds, not a new seed)."""
    import uuid

    import psycopg

    parsed = urlparse(url)
    source = parsed.path.strip("/")
    name = f"{source.rsplit('_', 1)[0]}_{tag}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return parsed._replace(path=f"/{name}").geturl()


def people_steps(port: int, env: dict, data: dict, steps: list[int], seconds: float, var: Path) -> None:
    """Locust (bench/locustfile.py) with real think times, one run per step of concurrent
    people; stats are reset once everyone has arrived. Reports, per step, requests/s and the
    latency percentiles, and the most people held with p95 < 300 ms and no errors."""
    import csv

    data_file = var / "locust-data.json"
    data_file.write_text(json.dumps({k: v for k, v in data.items() if k != "token"} | {"csrf": "c" * 32}))
    locust = str(Path(PYTHON).with_name("locust"))
    rows = []
    for people in steps:
        prefix = var / f"locust-{people}"
        spawn = max(1, people // 30)  # everyone arrives within ~30 s
        cmd = [locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary", "--reset-stats"]
        cmd += ["-u", str(people), "-r", str(spawn), "-t", f"{int(seconds + people / spawn)}s"]
        cmd += ["--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--loglevel", "WARNING"]
        load = os.getloadavg()[0]
        subprocess.run(cmd, cwd=ROOT, env={**env, "LOCUST_DATA": str(data_file)}, capture_output=True, check=False)
        with open(f"{prefix}_stats.csv") as f:
            stats = list(csv.DictReader(f))
        total = next(r for r in stats if r["Name"] == "Aggregated")
        for r in stats:
            if r["Name"] != "Aggregated":
                print(
                    f"  {r['Name']:<28} n={r['Request Count']:>6} p50_s={float(r['50%']) / 1000:.3f} "
                    f"p95_s={float(r['95%']) / 1000:.3f} failures={r['Failure Count']}",
                    flush=True,
                )
        row = {
            "people": people,
            "rps": float(total["Requests/s"]),
            "p50": float(total["50%"]) / 1000,
            "p95": float(total["95%"]) / 1000,
            "p99": float(total["99%"]) / 1000,
            "failures": int(total["Failure Count"]),
            "requests": int(total["Request Count"]),
            "load": load,
        }
        rows.append(row)
        with open(f"{prefix}_failures.csv") as f:
            for failure in sorted(csv.DictReader(f), key=lambda r: -int(r["Occurrences"]))[:5]:
                print(f"  failure x{failure['Occurrences']}: {failure['Name']}: {failure['Error'][:160]}", flush=True)
        print(
            f"people={people:5d} rps={row['rps']:6.1f} p50_s={row['p50']:.3f} p95_s={row['p95']:.3f} "
            f"p99_s={row['p99']:.3f} failures={row['failures']} requests={row['requests']} load={load:.2f}",
            flush=True,
        )
    held = [r for r in rows if r["p95"] < 0.3 and r["failures"] == 0]
    best = max(held, key=lambda r: r["people"]) if held else None
    print(
        figures(
            people_held=best["people"] if best else 0,
            people_rps=best["rps"] if best else 0.0,
            people_p95_s=best["p95"] if best else 0.0,
            max_people_tried=max(steps),
            max_people_p95_s=rows[-1]["p95"],
            max_people_failures=rows[-1]["failures"],
            load_min=min(r["load"] for r in rows),
            load_max=max(r["load"] for r in rows),
        )
    )


def compare_revs(opts) -> None:
    """Before/after in one run: this bench re-run inside each commit's files, one after another."""
    from _harness import tree_at

    if not opts.reuse:
        raise SystemExit("--rev needs --reuse (the same seeded data for every commit)")
    args = ["--reuse", opts.reuse, "--members", str(opts.members), "--workers", str(opts.workers)]
    args += ["--steps", opts.steps, "--step-seconds", str(opts.step_seconds)]
    if opts.people:
        args += ["--people", opts.people, "--people-seconds", str(opts.people_seconds)]
    pairs = {}
    for k, rev in enumerate(opts.rev):
        tree = tree_at(rev)
        print(f"--- {rev} ({tree.name})", flush=True)
        out = subprocess.run(
            [sys.executable, str(tree / "bench" / "load.py"), *args], cwd=tree, capture_output=True, text=True
        )
        print(out.stdout, out.stderr[-2000:] if out.returncode else "", flush=True)
        if out.returncode:
            raise SystemExit(f"{rev}: the bench failed")
        prefix = "" if k == 0 else f"r{k + 1}_"
        for pair in out.stdout.strip().splitlines()[-1].split():
            key, _, value = pair.partition("=")
            pairs[prefix + key] = value
    pairs["revs"] = ",".join(opts.rev)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--steps", default="4,8,16,32,48")
    parser.add_argument("--step-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--people", help="Locust instead of the closed loop: concurrent people per step, e.g. 500,1000,2000"
    )
    parser.add_argument("--people-seconds", type=float, default=90, help="measured seconds per Locust step")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep a copy of the seeded database")
    parser.add_argument("--reuse", help="PostgreSQL: run on a copy of this kept database instead of seeding")
    parser.add_argument(
        "--rev",
        action="append",
        help="with --reuse: serve each commit in turn (bench/_harness.py trees, each on its own copy of the "
        "kept database); the last line gives the first rev's figures, later ones prefixed r2_, r3_…",
    )
    opts = parser.parse_args()
    if opts.rev:
        compare_revs(opts)
        return
    steps = [int(s) for s in opts.steps.split(",")]
    if opts.people:
        steps = [int(s) for s in opts.people.split(",")]
    if opts.reuse:
        database_url = _copy_database(opts.reuse, "run")

        def drop():
            import psycopg

            parsed = urlparse(database_url)
            with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.strip("/")}" WITH (FORCE)')
    else:
        database_url, drop = fresh_database_url("load")
    broker = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    (ROOT / "var").mkdir(exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="lms-load-", dir=ROOT / "var"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LMS_VAR_DIR": str(var),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "REDIS_CACHE_URL": cache_url_for(broker),
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if not env["REDIS_CACHE_URL"]:
        env.pop("REDIS_CACHE_URL")
    gunicorn = None
    try:
        n_staff = max(2, max(steps) // 10)
        data = prepare(env, opts.members, max(steps), seeded=bool(opts.reuse), keep=opts.keep)
        port = free_port()
        gunicorn = subprocess.Popen(
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(opts.workers),
                "--access-logfile",
                "/dev/null",
                "lms.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(var / "gunicorn.log", "ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                Browser(port).request("GET", "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        if opts.people:
            people_steps(port, env, data, steps, opts.people_seconds, var)
            return
        total_users = max(steps)
        browsers: list[tuple[Browser, bool]] = []
        for i in range(total_users):
            is_staff = i % 10 == 9 and n_staff > 0
            browser = Browser(port)
            if is_staff:
                browser.login(data["staff"][i % len(data["staff"])], "Demo@2026")
            else:
                browser.login(data["members"][i], PASSWORD)
            browsers.append((browser, is_staff))
        # Warm-up: every worker imports templates and fills its caches.
        run_step(browsers[: steps[0]], data, 5)
        rows = []
        total_requests = total_errors = total_throttled = 0
        for users in steps:
            result = run_step(browsers[:users], data, opts.step_seconds)
            n = len(result.latencies)
            rps = n / opts.step_seconds
            row = {
                "users": users,
                "rps": rps,
                "p50": percentile(result.latencies, 0.50),
                "p95": percentile(result.latencies, 0.95),
                "p99": percentile(result.latencies, 0.99),
                "errors": result.errors,
                "throttled": result.throttled,
                "requests": n,
            }
            rows.append(row)
            total_requests += n + result.errors
            total_errors += result.errors
            total_throttled += result.throttled
            codes = " ".join(f"{k}:{v}" for k, v in sorted(result.statuses.items()))
            print(
                f"users={users:3d} rps={rps:7.1f} p50_s={row['p50']:.3f} p95_s={row['p95']:.3f} "
                f"p99_s={row['p99']:.3f} errors={result.errors} throttled={result.throttled} [{codes}]",
                flush=True,
            )
        best = max(r["rps"] for r in rows)
        saturation = next(r for r in rows if r["rps"] >= 0.9 * best)
        print(
            figures(
                rps=round(saturation["rps"], 1),
                p50_s=saturation["p50"],
                p95_s=saturation["p95"],
                p99_s=saturation["p99"],
                error_rate=total_errors / max(1, total_requests),
                throttled_rate=total_throttled / max(1, total_requests),
                saturation_users=saturation["users"],
                peak_rps=round(best, 1),
                database="postgresql" if database_url.startswith("postgres") else "sqlite",
                broker=broker.split(":", 1)[0],
            )
        )
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        drop()


if __name__ == "__main__":
    main()
