"""Settings of media serving and the pipeline that are newer than lms/settings/base.py's video
section, read in one place with their defaults. Each can be set in Django settings; the
environment variable of the same name is the fallback so production needs no code change."""

import os

from django.conf import settings

AUDIO_EXTENSIONS = ("m4a", "mp3", "wav", "aac")
AUDIO_MIME_TYPES = (
    "audio/mp4 audio/x-m4a audio/m4a audio/mpeg audio/mp3 audio/wav audio/x-wav audio/wave audio/vnd.wave "
    "audio/aac audio/x-aac"
).split()


def accel_redirect_prefix() -> str:
    """nginx ``internal`` location mapped to MEDIA_ROOT (``/_protected/media/`` in
    deploy/nginx.conf). Empty: Django streams allowed files itself (embedded default)."""
    value = getattr(settings, "MEDIA_ACCEL_REDIRECT", None)
    return value if value is not None else os.environ.get("MEDIA_ACCEL_REDIRECT", "")


def auth_cache_seconds() -> int:
    """How long a positive "may watch this video" answer is remembered per session (a player
    fetches a segment every few seconds)."""
    return int(getattr(settings, "MEDIA_AUTH_CACHE_SECONDS", os.environ.get("MEDIA_AUTH_CACHE_SECONDS", 60)))


def allowed_extensions() -> list[str]:
    """Video containers from settings plus the audio formats that become audio lessons."""
    return list(dict.fromkeys([*settings.VIDEO_ALLOWED_EXTENSIONS, *AUDIO_EXTENSIONS]))


def allowed_mime_types() -> list[str]:
    return list(dict.fromkeys([*settings.VIDEO_ALLOWED_MIME_TYPES, *AUDIO_MIME_TYPES]))
