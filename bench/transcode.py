"""Our video pipeline against the bare equivalent ffmpeg command, on the same generated input.

    LMS_VAR_DIR=/tmp/bench-transcode .venv/bin/python bench/transcode.py [--seconds 24] [--runs 3]

"Ours" is `media.services.video_process_now(video, force=True)`, exactly what the Celery task
runs: ffprobe validation, the one-pass ffmpeg ladder with progress parsing, the poster, segment
measurement, codec probing, our master playlist, the move into storage and the database swap.
"Bare" is the same transcode (4 video rungs, MP4 fallback, audio-only rendition) typed as one
plain ffmpeg command line (no progress, no probe, no poster, no bookkeeping). Runs alternate so that load from other processes hits both alike.
The database is a fresh SQLite file under a temporary LMS_VAR_DIR unless DATABASE_URL is set.
Last line: key=value figures (medians, seconds)."""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_source(path: Path, seconds: int) -> None:
    """A 720p25 clip with moving detail and film-like noise, so the encoder has real work."""
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}",
            "-vf", "noise=alls=12:allf=t",
            "-c:v", "libx264", "-preset", "fast", "-crf", "20", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-shortest", "-movflags", "+faststart", str(path),
        ],
        check=True,
    )  # fmt: skip


def bare_command(src: Path, out: Path, preset: str) -> list[str]:
    """The hand-written single ffmpeg command equivalent to what our pipeline runs: the
    240p/360p/540p/720p ladder, the MP4 fallback (tee on the top rung) and the audio-only
    AAC 64 kbps rendition, all from one decode."""
    for name in ("240p", "360p", "540p", "720p", "audio"):
        (out / name).mkdir(parents=True)
    common = ["-c:v", "libx264", "-preset", preset, "-profile:v", "main", "-pix_fmt", "yuv420p",
              "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
              "-force_key_frames", "expr:gte(t,n_forced*2)", "-ac", "2", "-ar", "44100", "-c:a", "aac"]  # fmt: skip
    hls = [
        "-f",
        "hls",
        "-hls_time",
        "6",
        "-hls_init_time",
        "2",
        "-hls_playlist_type",
        "vod",
        "-hls_flags",
        "independent_segments",
    ]
    return [
        "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(src),
        "-filter_complex",
        "[0:v]split=4[a][b][c][d];[a]scale=426:240,setsar=1[v240];[b]scale=640:360,setsar=1[v360];"
        "[c]scale=960:540,setsar=1[v540];[d]scale=1280:720,setsar=1[v720]",
        "-map", "[v240]", "-map", "0:a", *common, "-b:v", "300000", "-maxrate", "321000", "-bufsize", "450000",
        "-b:a", "64000", *hls, "-hls_segment_filename", f"{out}/240p/seg_%05d.ts", f"{out}/240p/index.m3u8",
        "-map", "[v360]", "-map", "0:a", *common, "-b:v", "800000", "-maxrate", "856000", "-bufsize", "1200000",
        "-b:a", "96000", *hls, "-hls_segment_filename", f"{out}/360p/seg_%05d.ts", f"{out}/360p/index.m3u8",
        "-map", "[v540]", "-map", "0:a", *common, "-b:v", "1400000", "-maxrate", "1498000", "-bufsize", "2100000",
        "-b:a", "128000", *hls, "-hls_segment_filename", f"{out}/540p/seg_%05d.ts", f"{out}/540p/index.m3u8",
        "-map", "[v720]", "-map", "0:a", *common, "-b:v", "2500000", "-maxrate", "2675000", "-bufsize", "3750000",
        "-b:a", "128000", "-flags", "+global_header", "-f", "tee",
        f"[f=hls:hls_time=6:hls_init_time=2:hls_playlist_type=vod:hls_flags=independent_segments"
        f":hls_segment_filename={out}/720p/seg_%05d.ts]{out}/720p/index.m3u8"
        f"|[f=mp4:movflags=+faststart]{out}/fallback.mp4",
        "-map", "0:a:0", "-c:a", "aac", "-b:a", "64000", "-ac", "2", "-ar", "44100",
        *hls, "-hls_segment_filename", f"{out}/audio/seg_%05d.ts", f"{out}/audio/index.m3u8",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    os.environ["LMS_VAR_DIR"] = str(var_dir)  # fresh SQLite + media root unless DATABASE_URL is set
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command

    from media.models import Video
    from media.services import video_process_now

    call_command("migrate", verbosity=0)
    source = var_dir / "source.mp4"
    make_source(source, args.seconds)
    video = Video(title="bench", original_size=source.stat().st_size)
    with open(source, "rb") as fh:
        video.original.save("bench.mp4", File(fh), save=False)
    video.save()
    src_path = Path(video.original.path)

    ours: list[float] = []
    bare: list[float] = []

    def run_ours() -> None:
        nonlocal video
        started = time.perf_counter()
        video = video_process_now(video, force=True)
        ours.append(time.perf_counter() - started)
        assert video.is_ready, video.error
        assert video.renditions.count() == 5  # 240p, 360p, 540p, 720p and audio only

    def run_bare(run: int) -> None:
        out = var_dir / f"bare-{run}"
        cmd = bare_command(src_path, out, settings.VIDEO_X264_PRESET)
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
        bare.append(time.perf_counter() - started)
        produced = sorted(p.name for p in out.iterdir())
        assert produced == ["240p", "360p", "540p", "720p", "audio", "fallback.mp4"], produced
        shutil.rmtree(out)

    for run in range(args.runs):
        # Alternate which goes first, so a load trend on a shared machine favours neither.
        if run % 2 == 0:
            run_ours()
            run_bare(run)
        else:
            run_bare(run)
            run_ours()
        print(f"run {run + 1}: ours {ours[-1]:.2f}s bare {bare[-1]:.2f}s", flush=True)

    ours_median, bare_median = statistics.median(ours), statistics.median(bare)
    # Each run pairs ours and bare back to back: the median of the per-pair ratios cancels the
    # load other processes put on a shared machine better than the ratio of the medians.
    paired = statistics.median(o / b for o, b in zip(ours, bare, strict=True))
    duration = video.duration or args.seconds
    shutil.rmtree(var_dir, ignore_errors=True)
    print(
        f"clip_s={duration:.1f} runs={args.runs} ours_median_s={ours_median:.3f} bare_median_s={bare_median:.3f} "
        f"ratio={ours_median / bare_median:.3f} paired_ratio={paired:.3f} realtime_factor={duration / ours_median:.2f}"
    )


if __name__ == "__main__":
    main()
