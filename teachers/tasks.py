"""Periodic reminders to evaluate teachers (scheduled by CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task

from .services import evaluation_reminders_send


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def evaluation_reminders() -> int:
    """Idempotent (one notification per member and session), so running it often is harmless."""
    return evaluation_reminders_send()
