"""Real test clips made by ffmpeg's built-in sources, for tests, demo data and benches."""

import subprocess
from pathlib import Path


def generate_clip(
    path: str | Path,
    *,
    seconds: float = 4,
    width: int = 640,
    height: int = 360,
    audio: bool = True,
    fps: int = 25,
) -> Path:
    """Write an H.264/AAC MP4 (testsrc2 picture + 440 Hz tone) to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
    ]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        cmd += ["-c:a", "aac", "-b:a", "64k", "-shortest"]
    cmd += ["-movflags", "+faststart", str(path)]
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return path
