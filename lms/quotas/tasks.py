"""Periodic quota work (every 6 hours): rebuild the yearly summary the dashboards read, then recompute and
send the warnings. Scheduled in settings (CELERY_BEAT_SCHEDULE["quotas-refresh"])."""

from celery import shared_task
from django.utils import timezone

from .services import quota_status_refresh, warnings_compute


@shared_task(acks_late=True, soft_time_limit=3600)
def quota_refresh(year: int | None = None) -> dict:
    """Idempotent: the summary is rebuilt and warnings keyed, so a retried or doubled run
    leaves the same rows. In January the previous year is refreshed too (final statuses)."""
    today = timezone.localdate()
    year = year or today.year
    result = {"members": quota_status_refresh(year=year, today=today)}
    if today.month == 1 and year == today.year:
        quota_status_refresh(year=year - 1, today=today)
    result.update(warnings_compute(year=year, today=today))
    return result
