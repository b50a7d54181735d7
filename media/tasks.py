"""Celery task for the video pipeline."""

from celery import shared_task
from django.conf import settings

from .models import Video
from .services import video_process_now

# Celery's own limits sit above ffmpeg's (VIDEO_TRANSCODE_TIME_LIMIT), which kills ffmpeg and
# records the failure first; these only catch a run stuck outside ffmpeg.
_SOFT_LIMIT = settings.VIDEO_TRANSCODE_TIME_LIMIT + 600
_HARD_LIMIT = _SOFT_LIMIT + 120


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=_SOFT_LIMIT,
    time_limit=_HARD_LIMIT,
    ignore_result=True,
)
def video_process(self, video_id: int) -> None:
    """Validate and transcode one video. Safe to run twice: a ready video is left alone and a
    video being processed by another live run is skipped (see services._claim); a message
    redelivered because its worker died takes the abandoned video over."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        return
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    video_process_now(video, takeover=redelivered)
