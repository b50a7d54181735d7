"""The ffmpeg side of the video pipeline, free of Django models: probe, one-pass HLS ladder
transcode (plus MP4 fallback), poster, measured bandwidths and our own master playlist.

Everything here works on local paths; `media.services` moves the result into storage.
All messages meant for staff are Chinese; they end up in `Video.error`."""

from __future__ import annotations

import json
import logging
import math
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg

logger = logging.getLogger(__name__)

SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2
# The first segments are short: players start after two segments, which at 400 kbit/s is
# 4 s of video instead of 12 (ffmpeg's hls_init_time, cut at the 2 s keyframes).
FIRST_SEGMENT_SECONDS = KEYFRAME_SECONDS
MAX_FPS = 30
MASTER_NAME = "master.m3u8"
MP4_NAME = "fallback.mp4"
M4A_NAME = "fallback.m4a"  # the fallback of an audio lesson
AUDIO_DIRNAME = "audio"
POSTER_NAME = "poster.jpg"
PROBE_TIMEOUT = 120
# Demuxers that "succeed" on a picture or a text file: never a lesson video.
STILL_OR_TEXT_FORMATS = {"tty", "image2", "webp", "svg"}
# Containers an audio lesson may come in (ffprobe's format_name). Raw codec demuxers (amr, g729 …)
# also "succeed" on arbitrary text, so they are not on the list.
AUDIO_FORMATS = {"mp3", "wav", "mov,mp4,m4a,3gp,3g2,mj2", "aac", "ogg", "flac", "matroska,webm", "w64"}


# What ffmpeg/ffprobe say, in words staff understand. Their raw text names server paths and is
# English, so it goes to the server log only; `Video.error` gets one of these.
_FFMPEG_ERRORS = (
    ("moov atom not found", "文件不完整（缺少 MP4 索引，可能上传时中断），请重新导出后上传。"),
    ("Invalid data found when processing input", "文件数据无效：已损坏，或不是音视频文件。"),
    ("could not find codec parameters", "无法识别文件中的音视频编码。"),
    ("Decoder not found", "文件使用了不支持的编码格式。"),
    ("Unknown decoder", "文件使用了不支持的编码格式。"),
    ("End of file", "文件意外结束（不完整）。"),
    ("No such file or directory", "文件不存在。"),
    ("Permission denied", "服务器无法读取该文件（权限不足），请联系管理员。"),
    ("No space left on device", "服务器磁盘空间不足，请联系管理员。"),
    ("Cannot allocate memory", "服务器内存不足，请稍后重试。"),
)


def explain_ffmpeg_error(text: str) -> str:
    """A Chinese reason for ffmpeg/ffprobe error output; never the raw text (paths, English)."""
    for needle, reason in _FFMPEG_ERRORS:
        if needle.lower() in (text or "").lower():
            return reason
    return "文件已损坏或格式不受支持（详细信息已记录在服务器日志中）。"


class VideoRejected(Exception):
    """The input cannot become a video; ``reason`` is the Chinese message stored on the video."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TranscodeTimeout(VideoRejected):
    pass


@dataclass(frozen=True)
class Rung:
    """One step of the ladder, named by the picture's short side (360p is 640x360 or 360x640)."""

    short_side: int
    video_bitrate: int
    audio_bitrate: int


LADDER = (
    Rung(240, 300_000, 64_000),  # village networks: ~0.4 Mbit/s with audio
    Rung(360, 800_000, 96_000),
    Rung(540, 1_400_000, 128_000),
    Rung(720, 2_500_000, 128_000),
)
# Audio-only rendition (仅听声音) and the only rung of an audio lesson: AAC-LC, stereo, 64 kbps.
AUDIO_RUNG = Rung(0, 0, 64_000)


@dataclass(frozen=True)
class ProbeInfo:
    duration: float
    width: int  # as displayed (rotation applied)
    height: int
    fps: float
    has_audio: bool
    has_video: bool = True  # False: an audio upload (m4a, mp3, wav) → an audio lesson

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def is_portrait(self) -> bool:
        return self.height > self.width


@dataclass
class Variant:
    rung: Rung
    width: int
    height: int
    dirname: str
    bandwidth: int = 0
    average_bandwidth: int = 0
    codecs: str = ""
    kind: str = "video"  # or "audio": the audio-only rendition

    @property
    def is_audio(self) -> bool:
        return self.kind == "audio"

    @property
    def playlist_name(self) -> str:
        return f"{self.dirname}/index.m3u8"


@dataclass
class TranscodeResult:
    info: ProbeInfo
    variants: list[Variant]
    master: str = MASTER_NAME
    mp4: str = MP4_NAME
    poster: str = POSTER_NAME
    output_duration: float = 0.0
    decode_errors: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def audio(self) -> Variant | None:
        return next((v for v in self.variants if v.is_audio), None)


def decode_error_tolerance() -> int:
    """Decode errors accepted before an input is refused (VIDEO_DECODE_ERROR_TOLERANCE, default 0)."""
    from django.conf import settings

    return int(getattr(settings, "VIDEO_DECODE_ERROR_TOLERANCE", 0))


def _ffmpeg_bin() -> str:
    from django.conf import settings

    return getattr(settings, "VIDEO_FFMPEG_BINARY", "ffmpeg")


def _ffprobe_bin() -> str:
    from django.conf import settings

    return getattr(settings, "VIDEO_FFPROBE_BINARY", "ffprobe")


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def _ffprobe_json(path: Path, *extra: str) -> dict:
    """ffprobe with a timeout; both pipes are read to the end by ``run`` (no undrained pipe)."""
    cmd = [_ffprobe_bin(), "-v", "error", "-print_format", "json", *extra, str(path)]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise VideoRejected("读取视频信息超时，文件可能已损坏。") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace")
        logger.warning("ffprobe failed on %s: %s", path, detail[-2000:])
        raise VideoRejected(f"无法读取文件：{explain_ffmpeg_error(detail)}")
    try:
        return json.loads(proc.stdout or b"{}")
    except ValueError as exc:
        raise VideoRejected("无法读取视频文件（ffprobe 输出无法解析）。") from exc


def _rotation(stream: dict) -> int:
    rotate = stream.get("tags", {}).get("rotate")
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            rotate = side["rotation"]
    try:
        return int(float(rotate or 0)) % 360
    except ValueError:
        return 0


def _rate(text: str | None) -> float:
    if not text or text in {"0/0", "0"}:
        return 0.0
    num, _, den = text.partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


def _duration(data: dict, stream: dict) -> float:
    duration = 0.0
    for candidate in (data.get("format", {}).get("duration"), stream.get("duration")):
        try:
            duration = max(duration, float(candidate))
        except (TypeError, ValueError):
            continue
    if not math.isfinite(duration) or duration <= 0:
        raise VideoRejected("时长为零或无法读取。")
    return duration


def probe(path: str | Path) -> ProbeInfo:
    """Validate the input: it must be readable, carry a video or an audio stream and have a
    positive duration. Audio alone (m4a, mp3, wav) makes an audio lesson."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise VideoRejected("原始文件为空或不存在。")
    data = _ffprobe_json(path, "-show_format", "-show_streams")
    streams = data.get("streams", [])
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    format_name = data.get("format", {}).get("format_name", "")
    if video is None:
        if audio is None:
            raise VideoRejected("文件中既没有视频画面，也没有声音（未找到音视频流）。")
        if format_name not in AUDIO_FORMATS:
            raise VideoRejected("文件中没有视频画面，也不是可识别的音频文件（支持 m4a、mp3、wav）。")
        return ProbeInfo(duration=_duration(data, audio), width=0, height=0, fps=0.0, has_audio=True, has_video=False)
    if format_name in STILL_OR_TEXT_FORMATS or format_name.endswith("_pipe") or video.get("codec_name") == "ansi":
        raise VideoRejected("这是图片或文本文件，不是视频。")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise VideoRejected("无法识别视频画面的分辨率。")
    if _rotation(video) in (90, 270):
        width, height = height, width
    duration = _duration(data, video)
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")) or 25.0
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    return ProbeInfo(duration=duration, width=width, height=height, fps=fps, has_audio=has_audio)


def ladder_for(info: ProbeInfo) -> list[Variant]:
    """The rungs not taller than the source; a source below the lowest rung gets one rung at
    its own size. Never upscales. Any input with sound also gets the audio-only rendition;
    an audio upload gets only that."""
    audio = [Variant(rung=AUDIO_RUNG, width=0, height=0, dirname=AUDIO_DIRNAME, kind="audio")] if info.has_audio else []
    if not info.has_video:
        return audio
    rungs = [r for r in LADDER if r.short_side <= info.short_side]
    if not rungs:
        rungs = [Rung(_even(info.short_side), LADDER[0].video_bitrate, LADDER[0].audio_bitrate)]
    variants = []
    for rung in rungs:
        scale = rung.short_side / info.short_side
        if info.is_portrait:
            width, height = rung.short_side, _even(round(info.height * scale))
        else:
            width, height = _even(round(info.width * scale)), rung.short_side
        width, height = min(_even(width), _even(info.width)), min(_even(height), _even(info.height))
        variants.append(Variant(rung=rung, width=width, height=height, dirname=f"{rung.short_side}p"))
    return variants + audio


def _escape_tee(path: Path) -> str:
    """Tee slave names treat ``: | [ ] \\`` specially; our work paths never contain them, but
    make sure instead of trusting."""
    text = str(path)
    if any(ch in text for ch in ":|[]\\'"):
        raise ValueError(f"unsupported characters in work path {text!r}")
    return text


def _hls_tee_slave(segment_pattern: Path, playlist: Path) -> str:
    return (
        f"[f=hls:hls_time={SEGMENT_SECONDS}:hls_init_time={FIRST_SEGMENT_SECONDS}"
        ":hls_playlist_type=vod:hls_flags=independent_segments"
        f":hls_segment_filename={_escape_tee(segment_pattern)}]{_escape_tee(playlist)}"
    )


def _audio_opts(rung: Rung) -> dict:
    return {"c:a": "aac", "b:a": rung.audio_bitrate, "ac": 2, "ar": 44100}


def _hls_opts(segment_pattern: Path) -> dict:
    return {
        "hls_time": SEGMENT_SECONDS,
        "hls_init_time": FIRST_SEGMENT_SECONDS,
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_segment_filename": str(segment_pattern),
    }


def transcode_command(src: Path, outdir: Path, info: ProbeInfo, variants: list[Variant], *, preset: str) -> list[str]:
    """Build the single ffmpeg invocation: decode once, ``split`` the picture into every rung,
    encode each rung once; the top rung goes to its HLS playlist and the MP4 fallback via ``tee``.
    The audio-only rendition is one more (cheap) AAC output of the same pass; for an audio
    lesson it is the only output and also feeds the M4A fallback through ``tee``."""
    inp = ffmpeg.input(str(src))
    outputs = []
    pictures = [v for v in variants if not v.is_audio]
    if pictures:
        fps = min(info.fps, MAX_FPS) if info.fps > 0 else 25.0
        gop = max(1, round(fps * KEYFRAME_SECONDS))
        picture = inp.video
        if info.fps > MAX_FPS + 0.5:
            picture = picture.filter("fps", fps=MAX_FPS)
        branches = picture.filter_multi_output("split", len(pictures)) if len(pictures) > 1 else None
        for index, variant in enumerate(pictures):
            stream = branches[index] if branches is not None else picture
            stream = stream.filter("scale", variant.width, variant.height).filter("setsar", 1)
            (outdir / variant.dirname).mkdir(parents=True, exist_ok=True)
            rung = variant.rung
            opts = {
                "c:v": "libx264",
                "preset": preset,
                "profile:v": "main",
                "pix_fmt": "yuv420p",
                "b:v": rung.video_bitrate,
                "maxrate": int(rung.video_bitrate * 1.07),
                "bufsize": int(rung.video_bitrate * 1.5),
                "g": gop,
                "keyint_min": gop,
                "sc_threshold": 0,
                "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
            }
            streams = [stream]
            if info.has_audio:
                streams.append(inp.audio)
                opts.update(_audio_opts(rung))
            segment_pattern = outdir / variant.dirname / "seg_%05d.ts"
            playlist = outdir / variant.playlist_name
            if index == len(pictures) - 1:
                hls = _hls_tee_slave(segment_pattern, playlist)
                mp4 = f"[f=mp4:movflags=+faststart]{_escape_tee(outdir / MP4_NAME)}"
                outputs.append(ffmpeg.output(*streams, f"{hls}|{mp4}", format="tee", flags="+global_header", **opts))
            else:
                opts.update(_hls_opts(segment_pattern))
                outputs.append(ffmpeg.output(*streams, str(playlist), format="hls", **opts))
    for variant in (v for v in variants if v.is_audio):
        (outdir / variant.dirname).mkdir(parents=True, exist_ok=True)
        segment_pattern = outdir / variant.dirname / "seg_%05d.ts"
        playlist = outdir / variant.playlist_name
        sound = inp["a:0"]
        if pictures:
            opts = {**_audio_opts(variant.rung), **_hls_opts(segment_pattern)}
            outputs.append(ffmpeg.output(sound, str(playlist), format="hls", **opts))
        else:
            hls = _hls_tee_slave(segment_pattern, playlist)
            m4a = f"[f=mp4:movflags=+faststart]{_escape_tee(outdir / M4A_NAME)}"
            outputs.append(
                ffmpeg.output(sound, f"{hls}|{m4a}", format="tee", flags="+global_header", **_audio_opts(variant.rung))
            )
    # repeat+: every decode error on its own line, so they can be counted (see decode_error_count).
    graph = ffmpeg.merge_outputs(*outputs).global_args(
        "-nostdin", "-hide_banner", "-nostats", "-loglevel", "repeat+warning", "-progress", "pipe:1"
    )
    return graph.overwrite_output().compile(cmd=_ffmpeg_bin())


# ffmpeg's own per-packet/per-frame decode failure lines (fftools): a packet the decoder
# rejected, or a frame decoded with concealed errors.
_DECODE_ERROR_MARKERS = ("Error while decoding stream #", ": corrupt decoded frame in stream ")


def decode_error_count(log_path: Path) -> int:
    """How many decode errors ffmpeg reported while reading the input (0 for a clean file)."""
    count = 0
    try:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            for line in log:
                if any(marker in line for marker in _DECODE_ERROR_MARKERS):
                    count += 1
    except FileNotFoundError:
        return 0
    return count


def run_ffmpeg(
    args: list[str],
    *,
    duration: float,
    time_limit: float,
    log_path: Path,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """Run ffmpeg with stderr going to a file and ``-progress`` read from stdout line by line
    (so neither pipe can fill up), killing it when ``time_limit`` seconds have passed."""
    timed_out = threading.Event()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)

        def _kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(time_limit, _kill)
        timer.daemon = True
        timer.start()
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and on_progress and duration > 0:
                    try:
                        on_progress(min(1.0, max(0.0, int(value) / 1_000_000 / duration)))
                    except ValueError:
                        pass
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:  # interrupted (e.g. Celery's soft time limit): never leave ffmpeg running
                proc.kill()
                proc.wait()
    if timed_out.is_set():
        raise TranscodeTimeout(f"转码超过时间限制（{int(time_limit)} 秒），已终止。")
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text("utf-8", "replace").strip().splitlines()[-20:])
        logger.warning("ffmpeg exited with %s: %s", proc.returncode, tail[-2000:])
        raise VideoRejected(f"转码失败（退出码 {proc.returncode}）：{explain_ffmpeg_error(tail)}")


def make_poster(src: Path, dest: Path, *, duration: float, time_limit: float = 60) -> None:
    """One frame via fast input seek (``-ss`` before ``-i``): ffmpeg jumps to the nearest
    keyframe instead of decoding everything up to it."""
    at = min(max(duration * 0.1, 0.0), 10.0)
    stream = (
        ffmpeg.input(str(src), ss=f"{at:.3f}")
        .video.filter("scale", -2, "min(720,ih)")
        .output(str(dest), vframes=1, **{"q:v": 3})
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .overwrite_output()
    )
    try:
        proc = subprocess.run(
            stream.compile(cmd=_ffmpeg_bin()), stdin=subprocess.DEVNULL, capture_output=True, timeout=time_limit
        )
    except subprocess.TimeoutExpired as exc:
        raise VideoRejected("生成封面超时。") from exc
    if proc.returncode != 0 or not dest.exists() or dest.stat().st_size == 0:
        detail = proc.stderr.decode("utf-8", "replace")
        logger.warning("poster failed: %s", detail[-2000:])
        raise VideoRejected(f"无法生成封面图片：{explain_ffmpeg_error(detail)}")


def make_audio_poster(src: Path, dest: Path, *, time_limit: float = 120) -> None:
    """The poster of an audio lesson: the whole recording's waveform on the site's paper colour,
    so a listener sees at a glance where the talk is loud or quiet."""
    graph = (
        "[0:a:0]aformat=channel_layouts=mono,showwavespic=s=1280x400:colors=0xB71C1C:scale=sqrt[w];"
        "color=c=0xFDF6EC:s=1280x720[bg];[bg][w]overlay=0:160:format=auto"
    )
    cmd = [
        _ffmpeg_bin(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src),
        "-filter_complex", graph, "-frames:v", "1", "-q:v", "3", str(dest),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=time_limit)
    except subprocess.TimeoutExpired as exc:
        raise VideoRejected("生成封面超时。") from exc
    if proc.returncode != 0 or not dest.exists() or dest.stat().st_size == 0:
        detail = proc.stderr.decode("utf-8", "replace")
        logger.warning("audio poster failed: %s", detail[-2000:])
        raise VideoRejected(f"无法生成音频课封面：{explain_ffmpeg_error(detail)}")


def read_media_playlist(path: Path) -> list[tuple[float, str]]:
    """(duration, uri) of each segment of a VOD media playlist file."""
    return read_media_playlist_text(path.read_text())


def read_media_playlist_text(text: str) -> list[tuple[float, str]]:
    segments: list[tuple[float, str]] = []
    pending: float | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            pending = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line and not line.startswith("#") and pending is not None:
            segments.append((pending, line))
            pending = None
    return segments


def measure_bandwidth(playlist: Path) -> tuple[int, int, float]:
    """(peak, average, total seconds): bits per second of the produced segments, container
    overhead included, as the HLS spec defines BANDWIDTH and AVERAGE-BANDWIDTH."""
    segments = read_media_playlist(playlist)
    if not segments:
        raise VideoRejected("转码结果没有任何分片。")
    total_bits = 0
    total_seconds = 0.0
    peak = 0.0
    for seconds, uri in segments:
        bits = (playlist.parent / uri).stat().st_size * 8
        total_bits += bits
        total_seconds += seconds
        if seconds > 0:
            peak = max(peak, bits / seconds)
    average = total_bits / total_seconds if total_seconds else 0
    return math.ceil(peak), math.ceil(average), total_seconds


_PROFILE_IDC = {"Baseline": "42", "Constrained Baseline": "42", "Main": "4d", "High": "64"}
_CONSTRAINTS = {"Baseline": "00", "Constrained Baseline": "e0", "Main": "40", "High": "00"}


def codecs_for(segment: Path, *, has_audio: bool, has_video: bool = True) -> str:
    """RFC 6381 codec string of an H.264 (+AAC-LC) segment, from what was actually encoded."""
    if not has_video:
        return "mp4a.40.2"
    data = _ffprobe_json(segment, "-show_streams", "-select_streams", "v:0")
    stream = (data.get("streams") or [{}])[0]
    profile = stream.get("profile", "Main")
    level = int(stream.get("level") or 31)
    video = f"avc1.{_PROFILE_IDC.get(profile, '4d')}{_CONSTRAINTS.get(profile, '40')}{level:02x}"
    return f"{video},mp4a.40.2" if has_audio else video


def write_master(outdir: Path, variants: list[Variant], *, fps: float) -> Path:
    """Our own master playlist: ffmpeg's would carry nominal, not measured, bitrates. The
    audio-only variant (CODECS without video, no RESOLUTION) is listed too, as Apple asks of
    streams for cellular networks; hls.js leaves it out of its automatic switching, and the
    player's "仅听声音" loads its playlist directly."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in sorted(variants, key=lambda v: v.bandwidth):
        if v.is_audio:
            attrs = [f"BANDWIDTH={v.bandwidth}", f"AVERAGE-BANDWIDTH={v.average_bandwidth}", f'CODECS="{v.codecs}"']
            lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), v.playlist_name]
            continue
        attrs = [
            f"BANDWIDTH={v.bandwidth}",
            f"AVERAGE-BANDWIDTH={v.average_bandwidth}",
            f'CODECS="{v.codecs}"',
            f"RESOLUTION={v.width}x{v.height}",
            f"FRAME-RATE={min(fps, MAX_FPS):.3f}",
        ]
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), v.playlist_name]
    path = outdir / MASTER_NAME
    path.write_text("\n".join(lines) + "\n")
    return path


def output_duration(path: Path) -> float:
    data = _ffprobe_json(path, "-show_format")
    try:
        return float(data.get("format", {}).get("duration") or 0)
    except ValueError:
        return 0.0


def transcode(
    src: str | Path,
    outdir: str | Path,
    *,
    time_limit: float,
    preset: str = "veryfast",
    on_progress: Callable[[float], None] | None = None,
) -> TranscodeResult:
    """Probe, transcode in one pass, take the poster, measure and write the master playlist.
    ``outdir`` must be empty and private to this run; on error it may hold partial output."""
    src, outdir = Path(src), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + time_limit
    info = probe(src)
    variants = ladder_for(info)
    timings = {"probe": time.monotonic() - started}
    args = transcode_command(src, outdir, info, variants, preset=preset)
    log_path = outdir.parent / f"{outdir.name}.ffmpeg.log"
    run_ffmpeg(
        args,
        duration=info.duration,
        time_limit=max(0.001, deadline - time.monotonic()),
        log_path=log_path,
        on_progress=on_progress,
    )
    timings["ffmpeg"] = time.monotonic() - started - timings["probe"]
    decode_errors = decode_error_count(log_path)
    remaining = max(1.0, deadline - time.monotonic())
    # The poster and the per-rung codec probes are small separate processes: run them side by
    # side instead of one after another (they are the pipeline's fixed cost beside ffmpeg).
    with ThreadPoolExecutor(max_workers=4) as pool:
        if info.has_video:
            poster = pool.submit(make_poster, src, outdir / POSTER_NAME, duration=info.duration, time_limit=remaining)
        else:
            poster = pool.submit(make_audio_poster, src, outdir / POSTER_NAME, time_limit=remaining)
        produced = 0.0
        probes = []
        for variant in variants:
            playlist = outdir / variant.playlist_name
            if not playlist.exists():
                raise VideoRejected(f"转码结果缺少 {variant.dirname} 播放列表。")
            variant.bandwidth, variant.average_bandwidth, seconds = measure_bandwidth(playlist)
            produced = max(produced, seconds)
            first_segment = playlist.parent / read_media_playlist(playlist)[0][1]
            probes.append(
                pool.submit(codecs_for, first_segment, has_audio=info.has_audio, has_video=not variant.is_audio)
            )
        for variant, probe_result in zip(variants, probes, strict=True):
            variant.codecs = probe_result.result()
        poster.result()
    # A truncated upload whose index is intact probes fine but decodes short: catch it here.
    if produced < info.duration - max(1.0, info.duration * 0.05):
        raise VideoRejected(
            f"视频数据不完整：声明时长 {info.duration:.1f} 秒，实际只能解码 {produced:.1f} 秒（文件可能被截断）。"
        )
    # Damage in the middle decodes "fine" as far as the exit code goes: count what ffmpeg reported.
    if decode_errors > decode_error_tolerance():
        raise VideoRejected(
            f"原始文件中有损坏的数据：ffmpeg 解码时报告 {decode_errors} 处解码错误，直接发布会出现花屏、"
            "卡顿或杂音，因此没有发布。请重新导出或找到完好的原始文件后重新上传。"
        )
    write_master(outdir, variants, fps=info.fps)
    timings["total"] = time.monotonic() - started
    return TranscodeResult(
        info=info,
        variants=variants,
        mp4=MP4_NAME if info.has_video else M4A_NAME,
        output_duration=produced,
        decode_errors=decode_errors,
        timings=timings,
    )
