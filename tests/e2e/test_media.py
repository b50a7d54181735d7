"""Processed videos play in Debian's Chromium: the HLS ladder through hls.js from MEDIA_URL,
and the MP4 fallback with seeking through the range-capable development view."""

import pytest

from media.services import video_process_now
from tests.factories.media import make_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hls_and_mp4_fallback_play(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True
    video = video_process_now(make_video(seconds=4, width=960, height=540))
    assert video.is_ready, video.error

    page.goto(f"{live_server.url}/healthz")
    page.add_script_tag(url="/static/vendor/hls.js/hls.min.js")
    result = page.evaluate(
        """(url) => new Promise((resolve) => {
            const v = document.createElement('video'); v.muted = true; document.body.appendChild(v);
            const hls = new Hls();
            hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) resolve({error: d.details}); });
            hls.on(Hls.Events.MANIFEST_PARSED, () => v.play());
            hls.loadSource(url); hls.attachMedia(v);
            const check = () => v.currentTime > 1
                ? resolve({time: v.currentTime, levels: hls.levels.map(l => [l.height, l.bitrate])})
                : setTimeout(check, 200);
            check();
        })""",
        video.hls_url,
    )
    assert "error" not in result, result
    bandwidths = dict(video.renditions.values_list("height", "bandwidth"))
    assert result["levels"] == [[h, bandwidths[h]] for h in sorted(bandwidths)]

    assert video.mp4_url.startswith("/videos/files/")
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
