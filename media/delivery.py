"""Sending a file the policy has already allowed: the one place that knows how bytes leave.

Production (nginx in front, ``MEDIA_ACCEL_REDIRECT`` set): Django answers with an empty body
and an ``X-Accel-Redirect`` header; nginx serves the file from an ``internal`` location
(sendfile, Range, no Python in the byte path). Embedded default: Django streams the file itself,
honouring HTTP Range so that MP4s seek. Either way the permission check ran first in Django,
so a URL copied out of a member's page is refused to anyone else at once.

Other apps reuse `protected_file_response` for their own protected trees (the live classes'
HLS, for instance) by passing their own root and nginx internal prefix."""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils._os import safe_join

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024

# Private: a shared cache (CDN, corporate proxy) must never hand a member's file to someone else.
CACHE_PLAYLIST = "private, max-age=60"
CACHE_IMMUTABLE = "private, max-age=2592000, immutable"
CACHE_PUBLIC = "public, max-age=604800"


def cache_control_for(name: str) -> str:
    """Playlists may be rewritten by a rerun; everything else lives under a per-run folder."""
    return CACHE_PLAYLIST if name.endswith(".m3u8") else CACHE_IMMUTABLE


def local_path(root: str | os.PathLike, name: str) -> Path:
    """``root/name`` as a regular file, or Http404 (missing, a folder, or escaping ``root``)."""
    try:
        path = Path(safe_join(str(root), name))
    except Exception as exc:  # SuspiciousFileOperation: "..", absolute names
        raise Http404 from exc
    if not path.is_file():
        raise Http404
    return path


def accel_redirect_response(
    accel_prefix: str, name: str, *, content_type: str = "", cache_control: str = "", disposition: str = ""
) -> HttpResponse:
    """An empty response telling nginx to serve ``accel_prefix + name`` from an internal
    location. The name is percent-encoded (nginx decodes it before mapping it to a file)."""
    response = HttpResponse(content_type=content_type or "application/octet-stream")
    response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(name.lstrip("/"), safe="/")
    if cache_control:
        response["Cache-Control"] = cache_control
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def _read(path: Path, start: int, length: int):
    with open(path, "rb") as fh:
        fh.seek(start)
        while length > 0:
            chunk = fh.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def stream_file_response(
    request, path: Path, *, content_type: str = "", cache_control: str = "", disposition: str = ""
) -> HttpResponse | FileResponse | StreamingHttpResponse:
    """The file from Python, with single-range support (206/416) for seeking."""
    size = path.stat().st_size
    content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(open(path, "rb"), content_type=content_type)
    else:
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
    if cache_control:
        response["Cache-Control"] = cache_control
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def protected_file_response(
    request,
    *,
    root: str | os.PathLike,
    name: str,
    accel_prefix: str = "",
    content_type: str = "",
    cache_control: str = "",
    disposition: str = "",
):
    """Serve ``root/name`` to a request the caller has ALREADY authorised: via nginx's
    X-Accel-Redirect when ``accel_prefix`` is set (nginx maps the prefix to ``root`` in an
    ``internal`` location), else streamed with Range support. Raises Http404 for a missing
    file or a name escaping ``root``."""
    path = local_path(root, name)
    content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if accel_prefix:
        return accel_redirect_response(
            accel_prefix, name, content_type=content_type, cache_control=cache_control, disposition=disposition
        )
    return stream_file_response(
        request, path, content_type=content_type, cache_control=cache_control, disposition=disposition
    )
