"""Processed videos play in Debian's Chromium through the authorising media view (as `make run`
serves them, DEBUG off): the HLS ladder through hls.js, the audio-only rendition, and the MP4
fallback with seeking (HTTP Range); an anonymous browser gets none of it."""

import time

import pytest
from django.test import Client

from media.services import video_process_now
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.media import make_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PORT = 8204  # the media engineer's range (8201-8209)


@pytest.fixture
def media_server(settings, tmp_path, monkeypatch):
    """A live server WITHOUT Django's test-only MEDIA_URL handler (which would serve files past
    every check); production's WSGI app has none either."""
    import django.test.testcases
    from pytest_django.live_server_helper import LiveServer

    monkeypatch.setattr(django.test.testcases, "_MediaFilesHandler", lambda app: app)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = False
    server = LiveServer(f"127.0.0.1:{PORT}")
    try:
        yield server
    finally:
        server.stop()


def test_hls_audio_only_and_mp4_fallback_play_for_members_only(media_server, page, roles):
    video = video_process_now(make_video(seconds=4, width=960, height=540))
    assert video.is_ready, video.error
    make_lesson(make_course(make_index()), video=video)

    page.goto(f"{media_server.url}/healthz")
    anonymous = page.evaluate("(url) => fetch(url).then(r => r.status)", video.hls_url)
    assert anonymous == 403

    client = Client()
    client.force_login(roles.member_a_user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": media_server.url}]
    )
    page.add_script_tag(url="/static/vendor/hls.js/hls.min.js")
    play = """(url) => new Promise((resolve) => {
            const v = document.createElement('video'); v.muted = true; document.body.appendChild(v);
            const hls = new Hls(); const t0 = performance.now();
            hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) resolve({error: d.details}); });
            hls.on(Hls.Events.MANIFEST_PARSED, () => v.play());
            hls.loadSource(url); hls.attachMedia(v);
            const check = () => v.currentTime > 1
                ? resolve({time: v.currentTime, started_ms: performance.now() - t0,
                           width: v.videoWidth, levels: hls.levels.map(l => [l.height, l.bitrate])})
                : setTimeout(check, 200);
            check();
        })"""
    result = page.evaluate(play, video.hls_url)
    assert "error" not in result, result
    bandwidths = dict(video.renditions.filter(kind="video").values_list("height", "bandwidth"))
    # hls.js leaves the audio-only variant out of automatic switching: only picture rungs.
    assert result["levels"] == [[h, bandwidths[h]] for h in sorted(bandwidths)]

    # 仅听声音 on a village network: the audio-only playlist at 400 kbps.
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 150, "downloadThroughput": 400_000 / 8, "uploadThroughput": 200_000 / 8},
    )
    started = time.monotonic()
    audio = page.evaluate(play, video.audio_url)
    assert "error" not in audio, audio
    assert audio["width"] == 0  # sound only, no picture downloaded
    print(f"audio_only_start_s_at_400kbps={time.monotonic() - started:.2f}")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    assert video.mp4_url.startswith("/files/videos/")
    position = page.evaluate(
        """(url) => new Promise((resolve) => {
            const v = document.createElement('video'); v.muted = true; v.src = url; document.body.appendChild(v);
            v.onerror = () => resolve(-1);
            v.addEventListener('loadedmetadata', () => { v.currentTime = 3; });
            v.addEventListener('seeked', () => resolve(v.currentTime));
        })""",
        video.mp4_url,
    )
    assert position >= 2.9
