"""Scaling out on one machine: heartbeats through nginx to one and to two gunicorn instances
(4 sync workers each) sharing one PostgreSQL and one Redis, against one instance direct, in one
run with interleaved rounds; and where the CPU goes during the two-instance rounds (per process
kind, from /proc via psutil) — the next bottleneck.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_study \\
    REDIS_CACHE_URL=redis://127.0.0.1:6379/3 CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/scaleout.py [--rounds 3] [--seconds 10] [--port 8304]

Same data and wrk load as bench/heartbeat.py (served from HEAD's files). Ports: `--port` and
the next three (two gunicorn instances, nginx → one, nginx → both). Last line: key=value.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _harness import Server, database_for, drop_database, load_average, run_in, settle, tree_at, wrk  # noqa: E402
from _util import figures  # noqa: E402
from heartbeat import LUA, invariant, open_clocks  # noqa: E402

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {var}/nginx.pid;
error_log {var}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {var}/nginx-body;
    proxy_temp_path {var}/nginx-proxy;
    fastcgi_temp_path {var}/nginx-fastcgi;
    uwsgi_temp_path {var}/nginx-uwsgi;
    scgi_temp_path {var}/nginx-scgi;
    upstream one {{ server 127.0.0.1:{a}; keepalive 32; }}
    upstream both {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{one};
        location / {{ proxy_pass http://one; proxy_http_version 1.1; proxy_set_header Connection "";
                     proxy_set_header Host $host; }}
    }}
    server {{
        listen 127.0.0.1:{both};
        location / {{ proxy_pass http://both; proxy_http_version 1.1; proxy_set_header Connection "";
                     proxy_set_header Host $host; }}
    }}
}}
"""


def cpu_by_kind(stop: threading.Event, out: dict, *, roots: dict[str, int], database_url: str) -> None:
    """CPU seconds per kind while `stop` is unset: our gunicorn instances, nginx and wrk (by
    process tree), the PostgreSQL backends serving our database, Redis, and everything else on
    the shared machine (other people's work)."""
    import psutil
    import psycopg

    with psycopg.connect(database_url) as conn:
        me = conn.execute("SELECT pg_backend_pid()").fetchone()[0]

    def our_backends() -> set[int]:
        with psycopg.connect(database_url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return {pid for (pid,) in rows} - {me}

    def tree(pid: int) -> set[int]:
        try:
            parent = psutil.Process(pid)
            return {pid, *(c.pid for c in parent.children(recursive=True))}
        except psutil.NoSuchProcess:
            return set()

    def snapshot() -> dict[int, tuple[str, float]]:
        kinds = {pid: kind for kind, root in roots.items() for pid in tree(root)}
        kinds.update({pid: "postgres_ours" for pid in our_backends()})
        seen = {}
        for p in psutil.process_iter(["pid", "name", "cpu_times"]):
            times = p.info["cpu_times"]
            if times is None:
                continue
            name = p.info["name"] or ""
            kind = kinds.get(p.info["pid"]) or ("wrk" if name == "wrk" else "redis" if "redis" in name else "rest")
            seen[p.info["pid"]] = (kind, times.user + times.system)
        return seen

    first = snapshot()
    last = first
    while not stop.wait(0.5):
        last = {**last, **snapshot()}
    for pid, (kind, t) in last.items():
        before = first.get(pid)
        out[kind] = out.get(kind, 0.0) + t - (before[1] if before else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--lessons", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8304)
    args = parser.parse_args()
    tree = tree_at("HEAD")
    dbname = os.environ["DATABASE_URL"].rstrip("/").rsplit("/", 1)[-1] or "bench"
    url = database_for(tree, f"{dbname}_scale")
    var = tree / "var"
    var.mkdir(exist_ok=True)
    viewers = var / "viewers-scale.tsv"
    servers, nginx = [], None
    try:
        cmd = [sys.executable, "bench/heartbeat.py", "--prepare", str(viewers)]
        run_in(tree, cmd + ["--members", str(args.members), "--lessons", str(args.lessons)], url)
        servers = [Server(tree, args.port, url), Server(tree, args.port + 1, url)]
        for server in servers:
            server.start()
        conf = var / "nginx-scale.conf"
        ports = {"a": args.port, "b": args.port + 1, "one": args.port + 2, "both": args.port + 3}
        conf.write_text(NGINX_CONF.format(var=var, **ports))
        nginx = subprocess.Popen(["nginx", "-p", str(var), "-c", str(conf)], stderr=subprocess.PIPE)
        time.sleep(1)
        rows = [tuple(line.split("\t")) for line in viewers.read_text().splitlines()]
        if open_clocks(ports["one"], rows):
            raise RuntimeError("opening heartbeats failed")
        sides = {"direct": ports["a"], "nginx_one": ports["one"], "nginx_two": ports["both"]}
        results: dict[str, list] = {side: [] for side in sides}
        cpu: dict[str, float] = {}
        for r in range(args.rounds):
            order = list(sides)
            for side in order[r % 3 :] + order[: r % 3]:
                stop = threading.Event()
                sampler = None
                if side == "nginx_two":
                    roots = {"gunicorn": servers[0].proc.pid, "gunicorn2": servers[1].proc.pid, "nginx": nginx.pid}
                    sampler = threading.Thread(
                        target=cpu_by_kind, args=(stop, cpu), kwargs={"roots": roots, "database_url": url}
                    )
                    sampler.start()
                result = wrk(
                    sides[side],
                    "/",
                    lua=LUA,
                    seconds=args.seconds,
                    threads=2,
                    connections=args.connections,
                    args=[str(viewers), "heartbeat", str(600 * (r + 1))],
                    env={"WRK_THREADS": "2"},
                )
                if sampler is not None:
                    stop.set()
                    sampler.join()
                results[side].append(result)
                print(
                    f"round {r + 1} {side:9s}: {result.rps:7.1f}/s p50={result.p50_s * 1000:.1f}ms "
                    f"p95={result.p95_s * 1000:.1f}ms errors={result.errors} load={result.load:.2f}",
                    flush=True,
                )
                settle()
        mismatched, _ = invariant(url)
        cpu["gunicorn"] = cpu.get("gunicorn", 0.0) + cpu.pop("gunicorn2", 0.0)
        busy = sum(cpu.values()) or 1.0
        rounds_s = args.seconds * args.rounds
        shares = {f"cores_{k}": v / rounds_s for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])}
        pairs = {}
        for side, rs in results.items():
            pairs[f"{side}_rps"] = statistics.median(r.rps for r in rs)
            pairs[f"{side}_p95_s"] = max(r.p95_s for r in rs)
            pairs[f"{side}_errors"] = sum(r.errors for r in rs)
        pairs["two_vs_one"] = pairs["nginx_two_rps"] / pairs["nginx_one_rps"]
        pairs.update(shares)
        pairs.update(
            mismatched_rows=mismatched,
            cores_busy=busy / rounds_s,
            load_min=min(r.load for rs in results.values() for r in rs),
            load_max=max(r.load for rs in results.values() for r in rs),
            load_end=load_average(),
            cores=os.cpu_count(),
        )
        print(figures(**pairs))
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for server in servers:
            server.stop()
        drop_database(url)


if __name__ == "__main__":
    main()
