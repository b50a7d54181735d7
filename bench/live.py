"""HLS delivery from the project's nginx-rtmp: how many live viewers one node serves.

    .venv/bin/python bench/live.py --viewers 200 --seconds 30

Starts the project nginx (config from lms.live.nginx, in a temporary folder, free ports) with
a stand-in for the platform's on_publish callback that admits the bench stream (the platform
itself is not under test here), pushes an ffmpeg test source (640x360, ~800 kbit/s video +
64 kbit/s audio, 2 s keyframes, like a school's OBS), and runs `--viewers` simulated HLS
players for `--seconds`: each polls its signed playlist every fragment and fetches every new
segment once over a keep-alive connection, as hls.js does. A viewer is *served* when it got
every segment that appeared while it watched (at most one missed at the edges) and none of its
segment fetches took longer than a fragment (2 s, i.e. no stall). nginx CPU is the master +
workers' user+system time over the run, as % of one core. The bench's own Python clients run
on the same machine and compete for the CPU; on 2 cores that, not nginx, is the limit.
Last line: key=value figures."""

from __future__ import annotations

import argparse
import http.client
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

import django  # noqa: E402

django.setup()

from _util import figures, free_port  # noqa: E402

from lms.live import conf, nginx  # noqa: E402

STREAM = "bench-live"
KEY = "bench-key"


class _Admit(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        ok = f"name={STREAM}" in body and f"key={KEY}" in body
        self.send_response(200 if ok else 403)
        self.end_headers()

    def log_message(self, *args):
        pass


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _nginx_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master] + [int(p) for p in out]


def _parse_segments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class Viewer(threading.Thread):
    def __init__(self, port: int, path: str, until: float):
        super().__init__(daemon=True)
        self.port, self.path, self.until = port, path, until
        self.base = path.rsplit("/", 1)[0]
        self.fetched: set[str] = set()
        self.seen: set[str] = set()
        self.latencies: list[float] = []
        self.errors = 0
        self.bytes = 0

    def _get(self, conn, path):
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        first = True
        while time.monotonic() < self.until:
            started = time.monotonic()
            try:
                status, body = self._get(conn, self.path)
                if status != 200:
                    self.errors += 1
                    time.sleep(nginx.FRAGMENT_SECONDS)
                    continue
                segments = _parse_segments(body.decode())
                if first:  # join at the live edge, as players do
                    segments, first = segments[-3:], False
                self.seen.update(segments)
                for name in segments:
                    if name in self.fetched:
                        continue
                    t = time.monotonic()
                    status, data = self._get(conn, f"{self.base}/{name}")
                    if status == 200:
                        self.latencies.append(time.monotonic() - t)
                        self.fetched.add(name)
                        self.bytes += len(data)
                    else:
                        self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            time.sleep(max(0.0, nginx.FRAGMENT_SECONDS - (time.monotonic() - started)))

    @property
    def served(self) -> bool:
        missed = len(self.seen - self.fetched)
        return bool(self.fetched) and missed <= 1 and max(self.latencies, default=99) <= nginx.FRAGMENT_SECONDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--bitrate", default="800k")
    args = parser.parse_args()
    reason = conf.unavailable_reason()
    if reason:
        sys.exit(reason)

    callback = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Admit)
    threading.Thread(target=callback.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        rtmp_port, http_port = free_port(), free_port()
        paths = nginx.write(
            var=Path(tmp),
            rtmp_port=rtmp_port,
            http_port=http_port,
            listen_host="127.0.0.1",
            callback_base=f"http://127.0.0.1:{callback.server_address[1]}",
        )
        proc = subprocess.Popen(nginx.command(paths), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        push = None
        try:
            time.sleep(1)
            push = subprocess.Popen(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-re"]
                + ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine"]
                + ["-c:v", "libx264", "-preset", "veryfast", "-b:v", args.bitrate, "-g", "50", "-pix_fmt", "yuv420p"]
                + ["-c:a", "aac", "-b:a", "64k", "-f", "flv", f"rtmp://127.0.0.1:{rtmp_port}/live/{STREAM}?key={KEY}"]
            )
            urls = conf.playback_urls(STREAM)
            path = "/" + urls.video.split("/", 3)[3]  # /hls/<signature>/<expires>/<stream>/index.m3u8
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=2)
                try:
                    conn.request("GET", path)
                    r = conn.getresponse()
                    if r.status == 200 and len(_parse_segments(r.read().decode())) >= 2:
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            else:
                sys.exit("HLS playlist did not appear")
            pids = _nginx_pids(proc.pid)
            cpu0, wall0 = _cpu_seconds(pids), time.monotonic()
            until = wall0 + args.seconds
            viewers = [Viewer(http_port, path, until) for _ in range(args.viewers)]
            for v in viewers:
                v.start()
                time.sleep(min(0.01, nginx.FRAGMENT_SECONDS / max(1, args.viewers)))
            for v in viewers:
                v.join(args.seconds + 30)
            wall = time.monotonic() - wall0
            cpu = _cpu_seconds(pids) - cpu0
        finally:
            if push is not None:
                push.terminate()
                push.wait(10)
            proc.terminate()
            proc.wait(10)
            callback.shutdown()
    latencies = sorted(x for v in viewers for x in v.latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    p50 = latencies[len(latencies) // 2] if latencies else float("nan")
    total_bytes = sum(v.bytes for v in viewers)
    print(
        figures(
            viewers=args.viewers,
            viewers_served=sum(v.served for v in viewers),
            segments=len(latencies),
            errors=sum(v.errors for v in viewers),
            segment_p50_s=round(p50, 4),
            segment_p95_s=round(p95, 4),
            egress_mbps=round(total_bytes * 8 / wall / 1e6, 1),
            nginx_cpu_pct=round(100 * cpu / wall, 1),
        )
    )


if __name__ == "__main__":
    main()
