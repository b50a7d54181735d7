"""The one door for files under MEDIA_URL (``/files/``), with DEBUG on or off.

Every request is decided by `media.access` (the policy's `may_watch`) before a byte leaves:
a video's playlists, segments, fallback MP4 and poster go to those who may watch a lesson
showing it; originals never; courseware only through Wagtail's document view (hooked);
editorial pictures to everyone. nginx in production forwards ``/files/`` here and serves
the allowed file itself from an internal location (X-Accel-Redirect, see deploy/nginx.conf)."""

from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404
from django.views.decorators.http import require_safe

from . import conf
from .access import FileKind, file_kind, may_fetch_document, may_fetch_video_file, refusal
from .delivery import CACHE_PUBLIC, cache_control_for, protected_file_response


@require_safe
def media_file(request, name: str):
    kind, video_id = file_kind(name)
    if kind in (FileKind.UNKNOWN, FileKind.DOCUMENT):
        raise Http404
    if kind is FileKind.ORIGINAL:
        return refusal(request)
    if kind is FileKind.VIDEO and not may_fetch_video_file(request, video_id):
        return refusal(request)
    if not isinstance(default_storage, FileSystemStorage):
        raise Http404  # object storage: files are not on this machine (see deploy/README.md)
    cache_control = CACHE_PUBLIC if kind is FileKind.PUBLIC else cache_control_for(name)
    return protected_file_response(
        request,
        root=default_storage.location,
        name=name,
        accel_prefix=conf.accel_redirect_prefix(),
        cache_control=cache_control,
    )


def courseware_file(document, request):
    """Wagtail's ``before_serve_document`` hook: courseware goes only to those who may watch a
    lesson it belongs to; in production the bytes go through nginx like video files (an
    X-Accel-Redirect response returned here replaces Wagtail's own serving)."""
    if not may_fetch_document(request.user, document):
        return refusal(request)
    prefix = conf.accel_redirect_prefix()
    if not prefix or not isinstance(document.file.storage, FileSystemStorage):
        # Wagtail streams it (it only accepts an HttpResponse from this hook, not a stream),
        # or redirects to object storage (see deploy/README.md).
        return None
    return protected_file_response(
        request,
        root=document.file.storage.location,
        name=document.file.name,
        accel_prefix=prefix,
        content_type=document.content_type,
        cache_control="private, max-age=3600",
        disposition=document.content_disposition,
    )
