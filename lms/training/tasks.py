"""Periodic attendance work (scheduled by CELERY_BEAT_SCHEDULE["training-attendance-settle"]):
carry a member's day sign-in into the sessions that have started, then credit the class days
that have ended. Both steps are idempotent, so running often (or twice) is harmless."""

from celery import shared_task

from .credit import credited_days_settle
from .services.roll_call import attendance_day_carry


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def attendance_settle() -> dict:
    carried = attendance_day_carry()
    settled = credited_days_settle()
    return {"carried": carried, "settled": settled}
