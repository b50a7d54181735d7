"""Development serving: HLS MIME types and a range-capable MP4 view."""

import mimetypes

import pytest
from django.test import RequestFactory
from django.views.static import serve

from media.services import video_process_now
from tests.factories.media import make_video

pytestmark = pytest.mark.django_db


def test_hls_mime_types_are_registered():
    assert mimetypes.guess_type("master.m3u8")[0] == "application/vnd.apple.mpegurl"
    assert mimetypes.guess_type("seg_00001.ts")[0] == "video/mp2t"
    assert mimetypes.guess_type("seg_00001.m4s")[0] == "video/iso.segment"


def test_media_serve_gives_hls_content_types(media_root):
    video = video_process_now(make_video(seconds=2))
    request = RequestFactory().get("/files/x")
    playlist = serve(request, video.master_playlist.name, document_root=media_root)
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    segment = video.renditions.get().playlist.name.replace("index.m3u8", "seg_00000.ts")
    assert serve(request, segment, document_root=media_root)["Content-Type"] == "video/mp2t"


def test_range_requests_for_mp4(client, settings, media_root):
    settings.SERVE_MEDIA = True
    video = video_process_now(make_video(seconds=2))
    url = video.mp4_url
    assert url.startswith("/videos/files/videos/") and url.endswith("fallback.mp4")
    whole = (media_root / video.mp4.name).read_bytes()

    full = client.get(url)
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert full["Content-Type"] == "video/mp4"
    assert b"".join(full.streaming_content) == whole

    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert b"".join(part.streaming_content) == whole[100:200]

    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == whole[-10:]

    open_ended = client.get(url, HTTP_RANGE=f"bytes={len(whole) - 5}-")
    assert b"".join(open_ended.streaming_content) == whole[-5:]

    assert client.get(url, HTTP_RANGE=f"bytes={len(whole) + 1}-").status_code == 416


def test_range_view_refuses_traversal_and_is_off_in_production(client, settings):
    settings.SERVE_MEDIA = True
    assert client.get("/videos/files/videos/../../etc/passwd").status_code == 404
    assert client.get("/videos/files/secret_key").status_code == 404
    settings.SERVE_MEDIA = False
    settings.DEBUG = False
    video = video_process_now(make_video(seconds=2))
    assert client.get(f"/videos/files/{video.mp4.name}").status_code == 404
    assert video.mp4_url.startswith("/files/")
