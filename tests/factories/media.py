"""Videos backed by real generated clips (cached per test session: ffmpeg is the slow part)."""

import os
import shutil
from pathlib import Path

from django.core.files import File

from media.models import Video
from media.testing import generate_clip

_CLIP_CACHE = Path("/tmp") / "lms-test-clips"


def clip_path(*, seconds: float = 2, width: int = 640, height: int = 360, audio: bool = True) -> Path:
    """A generated clip with these properties, made once per machine and reused."""
    path = _CLIP_CACHE / f"clip_{seconds}s_{width}x{height}_{'a' if audio else 'na'}.mp4"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.part.mp4")
        generate_clip(tmp, seconds=seconds, width=width, height=height, audio=audio)
        shutil.move(tmp, path)
    return path


def make_video(*, title: str = "测试视频", source: Path | None = None, uploaded_by=None, **clip) -> Video:
    """A Video row whose original is a copy of ``source`` (or of a generated clip), not yet processed."""
    source = source or clip_path(**clip)
    video = Video(title=title, uploaded_by=uploaded_by, original_size=source.stat().st_size)
    with open(source, "rb") as fh:
        video.original.save(f"test{source.suffix}", File(fh), save=False)
    video.save()
    return video
