"""Recovery of queued work after faults (a worker killed mid-task, a broker that lost a message).

The video pipeline is at-least-once by design (acks_late + reject_on_worker_lost; the media
service's `_claim` makes reruns safe). Two gaps remain, both closed here by a periodic sweep
(`videos_requeue_stale`, run by Celery beat every few minutes, or by hand with
`manage.py videos_requeue_stale`):

- the embedded filesystem broker deletes a message when a worker takes it, so a worker killed
  during a transcode leaves the video in "processing" with no message left to redeliver;
- with Redis, a pool child killed mid-task is redelivered at once, while the video still looks
  owned by the dead run, so the redelivered task steps aside and nothing retries it.

A video is stale when it has been "processing" longer than the media service allows a live run
(`media.services.processing_stale_after()`, the window the media claim uses), or has waited in
"uploaded" longer than VIDEO_QUEUE_STALE_SECONDS without any run starting. Enqueueing it again
is safe: `_claim` lets exactly one run take it."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Video
from .services import processing_stale_after
from .tasks import video_process


def videos_requeue_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Enqueue processing for stale videos; returns their ids."""
    now = now or timezone.now()
    processing_cutoff = now - dt.timedelta(seconds=processing_stale_after())
    queued_cutoff = now - dt.timedelta(seconds=getattr(settings, "VIDEO_QUEUE_STALE_SECONDS", 900))
    stale = list(
        Video.objects.filter(status=Video.Status.PROCESSING, processing_started_at__lt=processing_cutoff).values_list(
            "pk", flat=True
        )
    )
    stale += list(
        Video.objects.filter(
            status=Video.Status.UPLOADED, processing_started_at__isnull=True, created_at__lt=queued_cutoff
        ).values_list("pk", flat=True)
    )
    for video_id in stale:
        transaction.on_commit(lambda video_id=video_id: video_process.delay(video_id))
    return stale


@shared_task(ignore_result=True)
def videos_requeue_stale_task() -> int:
    return len(videos_requeue_stale())
