"""Periodic quota work (every 6 hours): rebuild the yearly summary the dashboards read, then recompute and
send the warnings. Scheduled in settings (CELERY_BEAT_SCHEDULE["quotas-refresh"]). Between full runs,
members touched by a new credited day or study day are refreshed within a minute (quota_members_refresh)."""

from celery import shared_task
from django.utils import timezone

from .services import quota_members_refresh_now, quota_status_refresh, warnings_compute


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


@shared_task(acks_late=True, soft_time_limit=600)
def quota_members_refresh(member_ids: list[int]) -> int:
    """Per-member refresh after a credited day or study day (see services.quota_members_touch).
    Idempotent: the members' rows are rebuilt from what is stored. In January the previous
    year is refreshed too (a class that ended on 31 December is credited in the new year)."""
    today = timezone.localdate()
    count = quota_members_refresh_now(member_ids=member_ids, year=today.year, today=today)
    if today.month == 1:
        quota_members_refresh_now(member_ids=member_ids, year=today.year - 1, today=today)
    return count
