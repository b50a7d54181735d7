"""Which stored file may go to whom: every kind of file under MEDIA_URL, one decision each.

The question "may this user watch this lesson?" is `lms.accounts.policy.may_watch` (through
`may_watch_video` for a video's files); this module only maps a storage name to the object it
belongs to and asks the policy. The serving view (`media.views.media_file`), the courseware
hook (`media.wagtail_hooks`) and nginx (through X-Accel-Redirect) all end up here."""

from __future__ import annotations

import re
from enum import Enum

from django.core.cache import cache
from django.http import HttpResponse

from lms.accounts import policy

from . import conf


class FileKind(Enum):
    VIDEO = "video"  # HLS master/variant playlists, segments, fallback MP4, poster of one video
    ORIGINAL = "original"  # uploaded originals: kept for reprocessing, never served
    DOCUMENT = "document"  # courseware: only through /documents/<id>/<name> (policy checked there)
    PUBLIC = "public"  # editorial pictures: Wagtail images (course covers), teacher photos
    UNKNOWN = "unknown"


_VIDEO = re.compile(r"^videos/(\d{1,12})/[A-Za-z0-9._-]+/")
_PUBLIC_PREFIXES = ("images/", "original_images/", "teachers/photos/")


def file_kind(name: str) -> tuple[FileKind, int | None]:
    """(kind, video id) of a storage name such as ``videos/12/r1-ab12cd34/360p/seg_00000.ts``."""
    if name.startswith("videos/originals/"):
        return FileKind.ORIGINAL, None
    match = _VIDEO.match(name)
    if match:
        return FileKind.VIDEO, int(match.group(1))
    if name.startswith("videos/"):
        return FileKind.UNKNOWN, None
    if name.startswith("documents/"):
        return FileKind.DOCUMENT, None
    if name.startswith(_PUBLIC_PREFIXES):
        return FileKind.PUBLIC, None
    return FileKind.UNKNOWN, None


def _cache_key(request, video_id: int) -> str | None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key:
        return None
    return f"media:watch:{session_key}:{request.user.pk}:{video_id}"


def may_fetch_video_file(request, video_id: int) -> bool:
    """`policy.may_watch_video` for the request's user. A player fetches a segment every few
    seconds, so a *positive* answer is remembered for MEDIA_AUTH_CACHE_SECONDS per session
    (signing out starts a new session; anonymous requests are never cached)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    key = _cache_key(request, video_id)
    if key and cache.get(key):
        return True
    from .models import Video

    video = Video.objects.filter(pk=video_id).only("pk").first()
    allowed = video is not None and policy.may_watch_video(user, video)
    if allowed and key:
        cache.set(key, True, conf.auth_cache_seconds())
    return allowed


def may_fetch_document(user, document) -> bool:
    """Courseware attached to lessons: whoever may watch one of those lessons. Any other
    document: signed-in members and staff (never anonymous visitors)."""
    if not policy.may_study(user):
        return False
    from courses.models import LessonPage

    lessons = list(LessonPage.objects.filter(documents__document=document).distinct())
    if not lessons:
        return True
    return any(policy.may_watch(user, lesson) for lesson in lessons)


def refusal(request) -> HttpResponse:
    """403 with a short Chinese reason and nothing else: no file name, no path, no data."""
    if not getattr(request.user, "is_authenticated", False):
        text = "请先登录后再观看或下载。"
    else:
        text = "您没有观看或下载此内容的权限。"
    response = HttpResponse(text, status=403, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
