"""The pipeline end to end with real ffmpeg on small generated clips."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage

from media import pipeline
from media.models import Rendition, Video
from media.services import video_delete, video_process_now, video_retry
from tests.factories.media import clip_path, make_video

pytestmark = pytest.mark.django_db


def ffprobe(path: Path, *args: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", *args, str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def stored(name: str) -> Path:
    return Path(default_storage.path(name))


def test_clip_becomes_hls_that_ffprobe_reads_back(media_root):
    video = video_process_now(make_video(seconds=3, width=1280, height=720))

    assert video.status == Video.Status.READY, video.error
    assert video.progress == 100
    assert abs(video.duration - 3) <= 0.5
    assert (video.width, video.height) == (1280, 720)

    master = stored(video.master_playlist.name)
    master_info = ffprobe(master, "-show_format", "-show_streams")
    assert abs(float(master_info["format"]["duration"]) - 3) <= 0.5
    assert {s["codec_type"] for s in master_info["streams"]} == {"video", "audio"}

    renditions = list(video.renditions.filter(kind="video").order_by("height"))
    assert [(r.width, r.height) for r in renditions] == [(426, 240), (640, 360), (960, 540), (1280, 720)]
    for rendition in renditions:
        info = ffprobe(stored(rendition.playlist.name), "-show_format", "-show_streams", "-select_streams", "v")
        assert abs(float(info["format"]["duration"]) - 3) <= 0.5
        assert (info["streams"][0]["width"], info["streams"][0]["height"]) == (rendition.width, rendition.height)

    # The master playlist lists every variant with measured, ordered bandwidths.
    text = master.read_text()
    bandwidths = [r.bandwidth for r in renditions]
    assert all(b > 0 for b in bandwidths)
    assert bandwidths == sorted(bandwidths) and len(set(bandwidths)) == 4
    for rendition in renditions:
        assert f"BANDWIDTH={rendition.bandwidth}," in text
        assert f"RESOLUTION={rendition.width}x{rendition.height}" in text
        assert 'CODECS="avc1.4d40' in text and "mp4a.40.2" in text
        # Measured from the segment files: peak bits per second of the segments.
        playlist = stored(rendition.playlist.name)
        segments = pipeline.read_media_playlist(playlist)
        peak = max((playlist.parent / uri).stat().st_size * 8 / seconds for seconds, uri in segments)
        assert abs(rendition.bandwidth - peak) <= 1

    # The audio-only rendition (仅听声音): AAC at ~64 kbps in the same master, no picture.
    audio = video.renditions.get(kind="audio")
    assert (audio.width, audio.height, audio.codecs) == (0, 0, "mp4a.40.2")
    assert video.audio_playlist.name == audio.playlist.name and video.has_audio_only
    audio_info = ffprobe(stored(audio.playlist.name), "-show_format", "-show_streams")
    assert [s["codec_type"] for s in audio_info["streams"]] == ["audio"]
    assert audio_info["streams"][0]["codec_name"] == "aac"
    assert abs(float(audio_info["format"]["duration"]) - 3) <= 0.5
    assert 48_000 <= audio.average_bandwidth <= 100_000  # 64 kbps AAC plus MPEG-TS overhead
    assert (
        f'BANDWIDTH={audio.bandwidth},AVERAGE-BANDWIDTH={audio.average_bandwidth},CODECS="mp4a.40.2"\naudio/index.m3u8'
        in text
    )

    # MP4 fallback with its index at the front (faststart) and a poster image.
    mp4 = stored(video.mp4.name)
    head = mp4.read_bytes()[:200_000]
    assert head.find(b"moov") != -1 and head.find(b"moov") < head.find(b"mdat")
    assert abs(float(ffprobe(mp4, "-show_format")["format"]["duration"]) - 3) <= 0.5
    poster = ffprobe(stored(video.poster.name), "-show_streams")["streams"][0]
    assert poster["codec_name"] == "mjpeg" and poster["height"] == 720

    # No work folders or logs left behind.
    leftovers = [p.name for p in (media_root / "videos" / str(video.pk)).iterdir()]
    assert leftovers == [video.output_dir.rsplit("/", 1)[-1]]


def test_keyframes_every_two_seconds_and_six_second_segments():
    video = video_process_now(make_video(seconds=4, width=640, height=360, audio=False))
    assert video.is_ready, video.error
    assert not video.renditions.filter(kind="audio").exists() and not video.has_audio_only  # nothing to listen to
    rendition = video.renditions.get(height=360)
    assert rendition.codecs.startswith("avc1.") and "mp4a" not in rendition.codecs
    frames = ffprobe(
        stored(rendition.playlist.name),
        "-select_streams",
        "v",
        "-show_entries",
        "frame=pts_time,pict_type",
    )["frames"]
    start = float(frames[0]["pts_time"])
    keyframes = [round(float(f["pts_time"]) - start, 2) for f in frames if f["pict_type"] == "I"]
    assert keyframes == [0.0, 2.0]
    text = stored(rendition.playlist.name).read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-ENDLIST" in text


def test_no_upscaling_for_a_360p_source():
    video = video_process_now(make_video(seconds=2, width=640, height=360))
    assert video.is_ready, video.error
    assert list(video.renditions.filter(kind="video").values_list("height", flat=True)) == [240, 360]


def test_small_source_still_gets_one_rendition_at_its_own_size():
    video = video_process_now(make_video(seconds=2, width=320, height=240))
    assert video.is_ready, video.error
    assert list(video.renditions.filter(kind="video").values_list("width", "height")) == [(320, 240)]


def test_ladder_for_portrait_and_odd_sizes():
    portrait = pipeline.ProbeInfo(duration=5, width=1080, height=1920, fps=30, has_audio=True)
    assert [(v.width, v.height, v.kind) for v in pipeline.ladder_for(portrait)] == [
        (240, 426, "video"),
        (360, 640, "video"),
        (540, 960, "video"),
        (720, 1280, "video"),
        (0, 0, "audio"),
    ]
    odd = pipeline.ProbeInfo(duration=5, width=854, height=481, fps=25, has_audio=False)
    assert [(v.width, v.height) for v in pipeline.ladder_for(odd)] == [(426, 240), (638, 360)]
    sound = pipeline.ProbeInfo(duration=5, width=0, height=0, fps=0, has_audio=True, has_video=False)
    assert [(v.dirname, v.rung.audio_bitrate) for v in pipeline.ladder_for(sound)] == [("audio", 64_000)]


def _assert_failed_with_original_kept(video: Video, reason_part: str) -> None:
    assert video.status == Video.Status.FAILED
    assert reason_part in video.error
    assert default_storage.exists(video.original.name)
    assert video.renditions.count() == 0
    assert not video.hls_url


def test_truncated_file_fails_with_reason_and_keeps_original(tmp_path):
    whole = clip_path(seconds=4, width=640, height=360).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole[: len(whole) // 3])
    video = video_process_now(make_video(source=truncated))
    _assert_failed_with_original_kept(video, "不完整")


def test_truncated_file_without_index_fails_as_unreadable(tmp_path):
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 5000)
    video = video_process_now(make_video(source=truncated))
    _assert_failed_with_original_kept(video, "无法读取文件：文件不完整")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"just some plain text, not a video\n" * 100, "无法读取文件"),
        # ffprobe takes this UTF-8 text for raw AMR audio: still no picture.
        ("这不是视频，只是一段文字。\n".encode() * 200, "没有视频画面"),
    ],
)
def test_non_video_file_fails_with_reason(tmp_path, content, reason):
    path = tmp_path / "notes.mp4"
    path.write_bytes(content)
    video = video_process_now(make_video(source=path))
    _assert_failed_with_original_kept(video, reason)


def test_still_image_is_not_a_video(tmp_path):
    image = tmp_path / "photo.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240",
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
            str(image),
        ],
        check=True,
        timeout=60,
    )
    video = video_process_now(make_video(source=image))
    _assert_failed_with_original_kept(video, "不是视频")


def _make_audio(path: Path, codec_args: list[str], seconds: float = 7) -> Path:
    """Speech-like test audio: a tone whose loudness rises and falls (so the poster has a shape)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
         f"sine=frequency=220:sample_rate=44100:duration={seconds},volume='0.2+0.8*abs(sin(t))':eval=frame",
         *codec_args, str(path)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("name", "codec_args"),
    [("talk.m4a", ["-c:a", "aac", "-b:a", "96k"]), ("talk.mp3", ["-c:a", "libmp3lame"]), ("talk.wav", [])],
)
def test_audio_upload_becomes_an_audio_lesson_with_a_generated_poster(tmp_path, name, codec_args):
    source = _make_audio(tmp_path / name, codec_args)
    video = video_process_now(make_video(source=source))

    assert video.status == Video.Status.READY, video.error
    assert video.kind == Video.Kind.AUDIO and video.is_audio
    assert abs(video.duration - 7) <= 0.5 and video.width is None and video.height is None
    assert [(r.kind, r.codecs) for r in video.renditions.all()] == [("audio", "mp4a.40.2")]
    assert video.has_audio_only and video.audio_url == video.renditions.get().playlist_url
    master = stored(video.master_playlist.name).read_text()
    assert 'CODECS="mp4a.40.2"' in master and "RESOLUTION" not in master
    info = ffprobe(stored(video.master_playlist.name), "-show_format", "-show_streams")
    assert [s["codec_type"] for s in info["streams"]] == ["audio"]
    assert abs(float(info["format"]["duration"]) - 7) <= 0.5
    # Fallback for players without HLS: AAC in an .m4a with its index first.
    assert video.mp4.name.endswith("fallback.m4a")
    fallback = ffprobe(stored(video.mp4.name), "-show_streams")["streams"]
    assert [(s["codec_type"], s["codec_name"]) for s in fallback] == [("audio", "aac")]
    # The generated poster: a 1280x720 JPEG of the waveform, not a blank picture.
    poster = ffprobe(stored(video.poster.name), "-show_streams")["streams"][0]
    assert (poster["codec_name"], poster["width"], poster["height"]) == ("mjpeg", 1280, 720)
    pixels = subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(stored(video.poster.name)),
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert len(pixels) == 1280 * 720 * 3
    red = sum(1 for i in range(0, len(pixels), 3 * 7) if pixels[i] > 140 and pixels[i + 1] < 90 and pixels[i + 2] < 90)
    assert red > (1280 * 720 / 7) * 0.05  # the waveform covers a good part of the picture


def _damaged_copy(source: Path, target: Path) -> Path:
    """Overwrite bytes spread over the middle third of a clip (its container index stays intact),
    as a failed disk or a broken transfer would."""
    data = bytearray(source.read_bytes())
    begin, end = len(data) // 3, 2 * len(data) // 3
    for offset in range(begin, end, 251):
        data[offset] ^= 0x5A
    target.write_bytes(bytes(data))
    return target


def test_corrupted_input_is_flagged_with_the_decode_error_count_not_published(tmp_path):
    clean = clip_path(seconds=6, width=640, height=360)
    damaged = _damaged_copy(clean, tmp_path / "damaged.mp4")
    assert pipeline.probe(damaged).duration > 5  # it still probes fine: only decoding shows the damage

    video = video_process_now(make_video(source=damaged))

    _assert_failed_with_original_kept(video, "解码错误")
    count = int(re.search(r"报告 (\d+) 处解码错误", video.error).group(1))
    assert count > 0
    assert "/" not in video.error and "tmp" not in video.error  # no server paths in the reason
    assert not video.renditions.exists() and not video.master_playlist
    # The clean original of the same clip goes through.
    assert video_process_now(make_video(source=clean)).is_ready


def test_failure_reasons_are_chinese_and_carry_no_server_paths(tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 5000)
    video = video_process_now(make_video(source=cut))
    assert video.status == Video.Status.FAILED
    assert "/" not in video.error and "moov" not in video.error and "originals" not in video.error
    assert re.search(r"[\u4e00-\u9fff]", video.error)
    assert pipeline.explain_ffmpeg_error("/srv/lms/var/media/x.mp4: Invalid data found when processing input") == (
        "文件数据无效：已损坏，或不是音视频文件。"
    )
    assert "/srv" not in pipeline.explain_ffmpeg_error("/srv/lms/var/media/x.mp4: something new")


def test_retry_after_failure_processes_again(settings, django_capture_on_commit_callbacks):
    settings.VIDEO_TRANSCODE_TIME_LIMIT = 0.01
    video = video_process_now(make_video(seconds=2))
    _assert_failed_with_original_kept(video, "超过时间限制")

    settings.VIDEO_TRANSCODE_TIME_LIMIT = 120
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        video_retry(video=video)
    # enqueued once, when the retry is committed (eager Celery ran it); the other callbacks
    # forget the cached state of the video's lessons again at commit (courses.selectors)
    assert [c.__qualname__ for c in callbacks if not c.__qualname__.startswith("watchable_lessons_forget.")] == [
        "_enqueue.<locals>.<lambda>"
    ]
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert video.error == ""
    assert video.renditions.count() == 3  # 240p, 360p, audio only
    assert video.attempts == 2


def test_retry_refuses_a_video_that_did_not_fail():
    video = make_video(seconds=2)
    with pytest.raises(ValidationError, match="只有处理失败"):
        video_retry(video=video)


def test_rerun_is_idempotent_and_replaces_output(media_root, django_capture_on_commit_callbacks):
    video = video_process_now(make_video(seconds=2, width=960, height=540))
    assert video.is_ready, video.error
    first_dir, first_ids = video.output_dir, set(video.renditions.values_list("id", flat=True))

    # A redelivered task on a ready video does nothing.
    assert video_process_now(video).attempts == 1
    assert set(video.renditions.values_list("id", flat=True)) == first_ids

    # A forced rerun swaps in a new ladder: same count, new folder, old folder gone.
    with django_capture_on_commit_callbacks(execute=True):
        video = video_process_now(video, force=True)
    assert video.is_ready and video.attempts == 2
    assert video.renditions.count() == 4 == Rendition.objects.count()  # 240p, 360p, 540p, audio only
    assert video.output_dir != first_dir
    assert not (media_root / first_dir).exists()
    assert (media_root / video.output_dir / "master.m3u8").exists()


def test_timeout_kills_ffmpeg_and_fails(settings):
    settings.VIDEO_TRANSCODE_TIME_LIMIT = 0.05
    video = video_process_now(make_video(seconds=3))
    _assert_failed_with_original_kept(video, "超过时间限制")
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / str(video.pk)).glob("r*"))


def test_delete_removes_all_files(media_root, django_capture_on_commit_callbacks):
    video = video_process_now(make_video(seconds=2))
    assert video.is_ready, video.error
    original, output = media_root / video.original.name, media_root / "videos" / str(video.pk)
    assert original.exists() and output.exists()
    with django_capture_on_commit_callbacks(execute=True):
        video_delete(video=video)
    assert not original.exists()
    assert not output.exists()
    assert not Rendition.objects.exists()


def test_task_is_idempotent(django_capture_on_commit_callbacks):
    from media.tasks import video_process

    video = make_video(seconds=2)
    video_process.delay(video.pk)
    video_process.delay(video.pk)
    video.refresh_from_db()
    assert video.is_ready and video.attempts == 1
    assert video.renditions.count() == 3
    video_process.delay(987654)  # a deleted video: nothing to do, no error


def test_object_storage_path_uploads_through_default_storage(settings, django_capture_on_commit_callbacks):
    """With a non-filesystem storage (as S3 in production), the original is downloaded to a
    temporary file and the output is uploaded file by file through default_storage."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    video = make_video(seconds=2)
    assert not isinstance(default_storage._wrapped, FileSystemStorage)

    video = video_process_now(video)
    assert video.is_ready, video.error
    rendition = video.renditions.get(height=360)
    for name in (video.master_playlist.name, video.mp4.name, video.poster.name, rendition.playlist.name):
        assert default_storage.exists(name) and default_storage.size(name) > 0
    playlist = default_storage.open(rendition.playlist.name).read().decode()
    segment = f"{rendition.playlist.name.rsplit('/', 1)[0]}/{pipeline.read_media_playlist_text(playlist)[0][1]}"
    assert default_storage.exists(segment)
    assert "360p/index.m3u8" in default_storage.open(video.master_playlist.name).read().decode()

    first_dir = video.output_dir
    with django_capture_on_commit_callbacks(execute=True):
        video = video_process_now(video, force=True)
    assert video.is_ready and not default_storage.exists(f"{first_dir}/master.m3u8")

    with django_capture_on_commit_callbacks(execute=True):
        video_delete(video=video)

    def all_files(prefix):
        dirs, files = default_storage.listdir(prefix)
        return [f"{prefix}/{f}" for f in files] + [x for d in dirs for x in all_files(f"{prefix}/{d}")]

    assert all_files("videos") == []  # (empty folder nodes may remain; object stores have none)
    assert not default_storage.exists(video.original.name)


def test_live_processing_is_not_claimed_twice_but_an_abandoned_one_is(settings, django_capture_on_commit_callbacks):
    from django.utils import timezone

    video = make_video(seconds=2)
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING, processing_started_at=timezone.now())
    assert video_process_now(video).status == Video.Status.PROCESSING  # another run is live: skip
    with pytest.raises(ValidationError):
        video_retry(video=video)

    # The worker died long ago: a retry (or a redelivered task) takes it over.
    Video.objects.filter(pk=video.pk).update(processing_started_at=timezone.now() - timezone.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        video_retry(video=video)
    video.refresh_from_db()
    assert video.is_ready, video.error

    # A redelivered message (takeover) claims a video left in processing right away.
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING, processing_started_at=timezone.now())
    assert video_process_now(video, takeover=True).is_ready
    assert video.renditions.count() == 3
