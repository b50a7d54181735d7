"""Development serving of processed video files with HTTP Range support.

Django's static() view for MEDIA_URL answers every request with the whole file, which is
fine for HLS (small segments) but leaves an MP4 unseekable in browsers. In production the
web server or the object store serves files; this view exists only with DEBUG/SERVE_MEDIA."""

import mimetypes
import os
import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

from .serving import dev_serving_enabled

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024


def _read(path: str, start: int, length: int):
    with open(path, "rb") as fh:
        fh.seek(start)
        while length > 0:
            chunk = fh.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


@require_safe
def video_file(request, name: str):
    if not dev_serving_enabled() or not name.startswith("videos/"):
        raise Http404
    try:
        path = safe_join(default_storage.location, name)
    except Exception as exc:  # SuspiciousFileOperation: a path escaping MEDIA_ROOT
        raise Http404 from exc
    if not os.path.isfile(path):
        raise Http404
    size = os.path.getsize(path)
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(open(path, "rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # suffix range: the last N bytes
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(_read(path, start, length), status=206, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
