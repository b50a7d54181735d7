"""Demo videos for seed_demo: short generated clips that go through the real pipeline.

Not a seed step of its own; `courses.demo` calls `demo_video_create` for its lessons."""

import tempfile
import uuid
from pathlib import Path

from django.core.files import File

from .models import Video
from .services import video_process_now
from .testing import generate_clip


def demo_video_create(
    *, title: str, seconds: float = 4, width: int = 640, height: int = 360, uploaded_by=None
) -> Video:
    """Generate a clip, store it as a video and process it synchronously (no worker needed)."""
    with tempfile.TemporaryDirectory(prefix="lms-demo-clip-") as tmp:
        clip = generate_clip(Path(tmp) / "clip.mp4", seconds=seconds, width=width, height=height)
        video = Video(title=title, uploaded_by=uploaded_by, original_size=clip.stat().st_size)
        with open(clip, "rb") as fh:
            video.original.save(f"{uuid.uuid4().hex}.mp4", File(fh), save=False)
        video.save()
    return video_process_now(video)
