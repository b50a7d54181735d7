"""Points tasks: a member's new facts are rewarded within a minute (points_members_sync_task,
queued by points_members_touch and quota_members_touch); the nightly sweep (points_sync,
CELERY_BEAT_SCHEDULE["points-sync"]) awards anything missed. Both are idempotent."""

from celery import shared_task
from django.utils import timezone

from .services import points_members_sync


@shared_task(acks_late=True, soft_time_limit=600)
def points_members_sync_task(member_ids: list[int]) -> int:
    today = timezone.localdate()
    written = points_members_sync(member_ids=member_ids, year=today.year)
    if today.month == 1:
        written += points_members_sync(member_ids=member_ids, year=today.year - 1)
    return written


@shared_task(acks_late=True, soft_time_limit=3600)
def points_sync(year: int | None = None) -> int:
    today = timezone.localdate()
    return points_members_sync(year=year or today.year)
