"""The ffmpeg side of the video pipeline, free of Django models: probe, one-pass HLS ladder
transcode (plus MP4 fallback), poster, measured bandwidths and our own master playlist.

Everything here works on local paths; `media.services` moves the result into storage.
All messages meant for staff are Chinese; they end up in `Video.error`."""

from __future__ import annotations

import json
import math
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg

SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2
MAX_FPS = 30
MASTER_NAME = "master.m3u8"
MP4_NAME = "fallback.mp4"
POSTER_NAME = "poster.jpg"
PROBE_TIMEOUT = 120
# Demuxers that "succeed" on a picture or a text file: never a lesson video.
STILL_OR_TEXT_FORMATS = {"tty", "image2", "webp", "svg"}


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
    Rung(360, 800_000, 96_000),
    Rung(540, 1_400_000, 128_000),
    Rung(720, 2_500_000, 128_000),
)


@dataclass(frozen=True)
class ProbeInfo:
    duration: float
    width: int  # as displayed (rotation applied)
    height: int
    fps: float
    has_audio: bool

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
    timings: dict[str, float] = field(default_factory=dict)


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
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VideoRejected(
            "无法读取视频文件（文件损坏、不完整或不是视频）" + (f"：{detail[-1][:200]}" if detail else "。")
        )
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


def probe(path: str | Path) -> ProbeInfo:
    """Validate the input: it must be readable, carry a video stream and have a positive duration."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise VideoRejected("原始文件为空或不存在。")
    data = _ffprobe_json(path, "-show_format", "-show_streams")
    streams = data.get("streams", [])
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")),
        None,
    )
    if video is None:
        raise VideoRejected("文件中没有视频画面（未找到视频流）。")
    format_name = data.get("format", {}).get("format_name", "")
    if format_name in STILL_OR_TEXT_FORMATS or format_name.endswith("_pipe") or video.get("codec_name") == "ansi":
        raise VideoRejected("这是图片或文本文件，不是视频。")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise VideoRejected("无法识别视频画面的分辨率。")
    if _rotation(video) in (90, 270):
        width, height = height, width
    duration = 0.0
    for candidate in (data.get("format", {}).get("duration"), video.get("duration")):
        try:
            duration = max(duration, float(candidate))
        except (TypeError, ValueError):
            continue
    if not math.isfinite(duration) or duration <= 0:
        raise VideoRejected("视频时长为零或无法读取。")
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")) or 25.0
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    return ProbeInfo(duration=duration, width=width, height=height, fps=fps, has_audio=has_audio)


def ladder_for(info: ProbeInfo) -> list[Variant]:
    """The rungs not taller than the source; a source below the lowest rung gets one rung at
    its own size. Never upscales."""
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
    return variants


def _escape_tee(path: Path) -> str:
    """Tee slave names treat ``: | [ ] \\`` specially; our work paths never contain them, but
    make sure instead of trusting."""
    text = str(path)
    if any(ch in text for ch in ":|[]\\'"):
        raise ValueError(f"unsupported characters in work path {text!r}")
    return text


def transcode_command(src: Path, outdir: Path, info: ProbeInfo, variants: list[Variant], *, preset: str) -> list[str]:
    """Build the single ffmpeg invocation: decode once, ``split`` the picture into every rung,
    encode each rung once; the top rung goes to its HLS playlist and the MP4 fallback via ``tee``."""
    fps = min(info.fps, MAX_FPS) if info.fps > 0 else 25.0
    gop = max(1, round(fps * KEYFRAME_SECONDS))
    inp = ffmpeg.input(str(src))
    picture = inp.video
    if info.fps > MAX_FPS + 0.5:
        picture = picture.filter("fps", fps=MAX_FPS)
    branches = picture.filter_multi_output("split", len(variants)) if len(variants) > 1 else None
    outputs = []
    for index, variant in enumerate(variants):
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
            opts.update({"c:a": "aac", "b:a": rung.audio_bitrate, "ac": 2, "ar": 44100})
        segment_pattern = outdir / variant.dirname / "seg_%05d.ts"
        playlist = outdir / variant.playlist_name
        is_top = index == len(variants) - 1
        if is_top:
            hls = (
                f"[f=hls:hls_time={SEGMENT_SECONDS}:hls_playlist_type=vod:hls_flags=independent_segments"
                f":hls_segment_filename={_escape_tee(segment_pattern)}]{_escape_tee(playlist)}"
            )
            mp4 = f"[f=mp4:movflags=+faststart]{_escape_tee(outdir / MP4_NAME)}"
            outputs.append(ffmpeg.output(*streams, f"{hls}|{mp4}", format="tee", flags="+global_header", **opts))
        else:
            opts.update(
                {
                    "hls_time": SEGMENT_SECONDS,
                    "hls_playlist_type": "vod",
                    "hls_flags": "independent_segments",
                    "hls_segment_filename": str(segment_pattern),
                }
            )
            outputs.append(ffmpeg.output(*streams, str(playlist), format="hls", **opts))
    graph = ffmpeg.merge_outputs(*outputs).global_args(
        "-nostdin", "-hide_banner", "-nostats", "-loglevel", "warning", "-progress", "pipe:1"
    )
    return graph.overwrite_output().compile(cmd=_ffmpeg_bin())


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
        tail = log_path.read_text("utf-8", "replace").strip().splitlines()[-3:]
        raise VideoRejected("转码失败" + (f"：{' / '.join(tail)[:400]}" if tail else f"（退出码 {proc.returncode}）。"))


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
        raise VideoRejected("无法生成封面图片：" + proc.stderr.decode("utf-8", "replace").strip()[-200:])


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


def codecs_for(segment: Path, *, has_audio: bool) -> str:
    """RFC 6381 codec string of an H.264 (+AAC-LC) segment, from what was actually encoded."""
    data = _ffprobe_json(segment, "-show_streams", "-select_streams", "v:0")
    stream = (data.get("streams") or [{}])[0]
    profile = stream.get("profile", "Main")
    level = int(stream.get("level") or 31)
    video = f"avc1.{_PROFILE_IDC.get(profile, '4d')}{_CONSTRAINTS.get(profile, '40')}{level:02x}"
    return f"{video},mp4a.40.2" if has_audio else video


def write_master(outdir: Path, variants: list[Variant], *, fps: float) -> Path:
    """Our own master playlist: ffmpeg's would carry nominal, not measured, bitrates."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in sorted(variants, key=lambda v: v.bandwidth):
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
    run_ffmpeg(
        args,
        duration=info.duration,
        time_limit=max(0.001, deadline - time.monotonic()),
        log_path=outdir.parent / f"{outdir.name}.ffmpeg.log",
        on_progress=on_progress,
    )
    timings["ffmpeg"] = time.monotonic() - started - timings["probe"]
    make_poster(src, outdir / POSTER_NAME, duration=info.duration, time_limit=max(1.0, deadline - time.monotonic()))
    produced = 0.0
    for variant in variants:
        playlist = outdir / variant.playlist_name
        if not playlist.exists():
            raise VideoRejected(f"转码结果缺少 {variant.dirname} 播放列表。")
        variant.bandwidth, variant.average_bandwidth, seconds = measure_bandwidth(playlist)
        produced = max(produced, seconds)
        first_segment = playlist.parent / read_media_playlist(playlist)[0][1]
        variant.codecs = codecs_for(first_segment, has_audio=info.has_audio)
    # A truncated upload whose index is intact probes fine but decodes short: catch it here.
    if produced < info.duration - max(1.0, info.duration * 0.05):
        raise VideoRejected(
            f"视频数据不完整：声明时长 {info.duration:.1f} 秒，实际只能解码 {produced:.1f} 秒（文件可能被截断）。"
        )
    write_master(outdir, variants, fps=info.fps)
    timings["total"] = time.monotonic() - started
    return TranscodeResult(info=info, variants=variants, output_duration=produced, timings=timings)
