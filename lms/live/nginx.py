"""The project-local nginx-rtmp configuration (written by `manage.py live_nginx`).

One nginx, run in the foreground by the process supervisor beside the web server:
- RTMP application ``live``: encoders publish ``<stream_name>?key=<stream_key>``; nginx asks
  the platform (on_publish) and refuses unknown or expired keys; HLS in short fragments;
  the whole broadcast is recorded and handed over on record_done; publish_done ends it.
  Playing RTMP is refused to everyone but this host (viewers use HLS).
- RTMP application ``audio``: an audio-only copy (ffmpeg ``-vn -c:a copy``, no re-encoding)
  for weak networks, packaged as its own HLS stream.
- HTTP: playlists and segments only with a link the platform signed (secure_link, checked
  by nginx itself so segment traffic never reaches Python); ``/stat`` for this host only."""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import conf

FRAGMENT_SECONDS = 2
PLAYLIST_SECONDS = 16


@dataclass(frozen=True)
class NginxPaths:
    var: Path
    conf: Path
    hls: Path
    hls_audio: Path
    rec: Path
    logs: Path
    tmp: Path


def paths(var: Path | None = None) -> NginxPaths:
    var = Path(var or conf.var_dir())
    return NginxPaths(
        var=var,
        conf=var / "nginx.conf",
        hls=var / "hls",
        hls_audio=var / "hls-audio",
        rec=var / "rec",
        logs=var / "logs",
        tmp=var / "tmp",
    )


def _callback(base: str, what: str) -> str:
    return f"{base}/live/rtmp/{conf.callback_secret()}/{what}/"


def _hls_location(prefix: str, root: Path, secret: str) -> str:
    return f"""
        location ~ ^/{prefix}/(?<sig>[A-Za-z0-9_-]+)/(?<exp>[0-9]+)/(?<stream>[A-Za-z0-9_-]+)/(?<file>[A-Za-z0-9_.-]+[.](m3u8|ts))$ {{
            secure_link $sig,$exp;
            secure_link_md5 "$exp/$stream {secret}";
            if ($secure_link = "") {{ return 403; }}
            if ($secure_link = "0") {{ return 410; }}
            types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
            add_header Access-Control-Allow-Origin * always;
            add_header Cache-Control "no-cache" always;
            alias {root}/$stream/$file;
        }}"""


def render(
    *,
    var: Path | None = None,
    rtmp_port: int | None = None,
    http_port: int | None = None,
    listen_host: str | None = None,
    callback_base: str | None = None,
    ffmpeg: str | None = None,
    worker_processes: int = 1,
) -> str:
    p = paths(var)
    host = listen_host or conf.listen_host()
    rtmp_port = rtmp_port or conf.rtmp_port()
    http_port = http_port or conf.http_port()
    callback_base = (callback_base or conf.callback_base_url()).rstrip("/")
    module = conf.rtmp_module_path() or conf.RTMP_MODULE_PATHS[0]
    ffmpeg = ffmpeg if ffmpeg is not None else (shutil.which("ffmpeg") or "")
    secret = conf.link_secret()
    user = ""
    if os.geteuid() == 0:  # workers must write recordings/HLS under var/ as its owner
        owner = pwd.getpwuid(p.var.stat().st_uid).pw_name if p.var.exists() else getpass.getuser()
        user = f"user {owner};\n"
    audio_exec = ""
    if ffmpeg:
        audio_exec = (
            f"            exec {ffmpeg} -nostdin -loglevel error -i rtmp://127.0.0.1:{rtmp_port}/live/$name "
            f"-vn -c:a copy -f flv rtmp://127.0.0.1:{rtmp_port}/audio/$name-audio;\n"
        )
    hls_common = (
        f"hls on; hls_nested on; hls_fragment {FRAGMENT_SECONDS}s; "
        f"hls_playlist_length {PLAYLIST_SECONDS}s; hls_cleanup on;"
    )
    return f"""# Written by `manage.py live_nginx` — regenerate rather than edit.
load_module {module};
{user}daemon off;
master_process on;
worker_processes {worker_processes};
pid {p.var}/nginx.pid;
error_log {p.logs}/error.log warn;
events {{ worker_connections 4096; }}

rtmp {{
    server {{
        listen {host}:{rtmp_port};
        chunk_size 4096;
        notify_method post;
        application live {{
            live on;
            allow play 127.0.0.1;
            deny play all;
            on_publish {_callback(callback_base, "publish")};
            on_publish_done {_callback(callback_base, "publish-done")};
            on_record_done {_callback(callback_base, "record-done")};
            {hls_common}
            hls_path {p.hls};
            record all;
            record_path {p.rec};
            record_unique on;
{audio_exec}        }}
        application audio {{
            live on;
            allow publish 127.0.0.1;
            deny publish all;
            deny play all;
            {hls_common}
            hls_path {p.hls_audio};
        }}
    }}
}}

http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path {p.tmp}/body;
    proxy_temp_path {p.tmp}/proxy;
    fastcgi_temp_path {p.tmp}/fastcgi;
    uwsgi_temp_path {p.tmp}/uwsgi;
    scgi_temp_path {p.tmp}/scgi;
    server {{
        listen {host}:{http_port};
        {_hls_location("hls", p.hls, secret)}
        {_hls_location("hls-audio", p.hls_audio, secret)}
        location = /stat {{
            rtmp_stat all;
            allow 127.0.0.1;
            deny all;
        }}
        location = /healthz {{ return 200 "ok\\n"; }}
        location / {{ return 404; }}
    }}
}}
"""


def write(**kwargs) -> NginxPaths:
    p = paths(kwargs.get("var"))
    for folder in (p.var, p.hls, p.hls_audio, p.rec, p.logs, p.tmp):
        folder.mkdir(parents=True, exist_ok=True)
    p.conf.write_text(render(**kwargs))
    return p


def command(p: NginxPaths) -> list[str]:
    return [conf.nginx_binary(), "-c", str(p.conf), "-p", f"{p.var}/"]
