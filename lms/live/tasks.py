"""Celery task for live classes: the recording's hand-over to the video pipeline."""

from celery import shared_task

from .models import LiveBroadcast
from .services import broadcast_recording_ingest as _ingest


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def broadcast_recording_ingest(broadcast_id: int) -> None:
    """Join the recording and create the lesson's video. Idempotent (see the service)."""
    broadcast = LiveBroadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is not None:
        _ingest(broadcast)
