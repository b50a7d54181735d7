"""Live settings, secrets and signed playback URLs in one place.

Two secrets are derived from SECRET_KEY unless set: the callback secret (part of the URL nginx
calls on publish/publish-done/record-done, so only our nginx can call it) and the HLS link
secret (nginx's secure_link checks it on every playlist and segment, so a viewer needs a URL
the platform signed after asking the media policy; an edge or CDN checks the same way)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.crypto import salted_hmac

RTMP_MODULE_PATHS = ("/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/share/nginx/modules/ngx_rtmp_module.so")

DISABLED_NO_NGINX = (
    "直播功能未启用：本机没有安装 nginx。请执行 sudo apt-get install -y nginx libnginx-mod-rtmp 后重新启动。"
)
DISABLED_NO_RTMP = (
    "直播功能未启用：本机的 nginx 缺少 RTMP 模块。请执行 sudo apt-get install -y libnginx-mod-rtmp 后重新启动。"
)


def _get(name: str, default):
    return getattr(settings, name, default)


def var_dir() -> Path:
    return Path(_get("LIVE_VAR_DIR", "") or Path(settings.VAR_DIR) / "live")


def hls_dir() -> Path:
    return var_dir() / "hls"


def hls_audio_dir() -> Path:
    return var_dir() / "hls-audio"


def recordings_dir() -> Path:
    return var_dir() / "rec"


def rtmp_port() -> int:
    return int(_get("LIVE_RTMP_PORT", 1935))


def http_port() -> int:
    return int(_get("LIVE_HTTP_PORT", 8090))


def listen_host() -> str:
    return str(_get("LIVE_LISTEN_HOST", "0.0.0.0"))


def nginx_binary() -> str:
    return str(_get("LIVE_NGINX_BINARY", "nginx"))


def rtmp_module_path() -> str | None:
    configured = _get("LIVE_RTMP_MODULE", "")
    for candidate in ([configured] if configured else []) + list(RTMP_MODULE_PATHS):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def unavailable_reason() -> str:
    """'' when this machine can run the live tier; otherwise the Chinese reason it cannot."""
    if _get("LIVE_ENABLED", True) is False:
        return "直播功能已被管理员关闭（LIVE_ENABLED=0）。"
    if shutil.which(nginx_binary()) is None:
        return DISABLED_NO_NGINX
    if rtmp_module_path() is None:
        return DISABLED_NO_RTMP
    return ""


def callback_secret() -> str:
    return _get("LIVE_CALLBACK_SECRET", "") or salted_hmac("lms.live.callback", "nginx-rtmp").hexdigest()[:32]


def link_secret() -> str:
    return _get("LIVE_HLS_LINK_SECRET", "") or salted_hmac("lms.live.hls-link", "secure_link").hexdigest()[:32]


def callback_allowed_ips() -> set[str]:
    return set(_get("LIVE_CALLBACK_ALLOWED_IPS", ["127.0.0.1", "::1"]))


def callback_base_url() -> str:
    return str(_get("LIVE_CALLBACK_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def rtmp_public_url(request=None) -> str:
    """The server URL an encoder (OBS "服务器") pushes to."""
    configured = _get("LIVE_RTMP_PUBLIC_URL", "")
    if configured:
        return configured.rstrip("/")
    host = request.get_host().rsplit(":", 1)[0] if request is not None else "127.0.0.1"
    return f"rtmp://{host}:{rtmp_port()}/live"


def hls_base_url(request=None) -> str:
    """Where players fetch HLS: the edge/CDN in production, the local nginx otherwise."""
    configured = _get("LIVE_HLS_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    host = request.get_host().rsplit(":", 1)[0] if request is not None else "127.0.0.1"
    scheme = "https" if request is not None and request.is_secure() else "http"
    return f"{scheme}://{host}:{http_port()}"


def link_ttl_seconds() -> int:
    return int(_get("LIVE_HLS_LINK_TTL", 4 * 3600))


def signature(stream: str, expires: int) -> str:
    """nginx secure_link_md5 "$exp/$stream <secret>", base64url without padding."""
    digest = hashlib.md5(f"{expires}/{stream} {link_secret()}".encode()).digest()  # noqa: S324 - nginx's scheme
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class PlaybackUrls:
    video: str
    audio: str
    expires: int


def playback_urls(stream_name: str, request=None, now: float | None = None) -> PlaybackUrls:
    expires = int((now or time.time()) + link_ttl_seconds())
    base = hls_base_url(request)
    audio_stream = f"{stream_name}-audio"
    return PlaybackUrls(
        video=f"{base}/hls/{signature(stream_name, expires)}/{expires}/{stream_name}/index.m3u8",
        audio=f"{base}/hls-audio/{signature(audio_stream, expires)}/{expires}/{audio_stream}/index.m3u8",
        expires=expires,
    )
