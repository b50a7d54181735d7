"""Celery tasks: take a job id, load it, call the service. Both steps are idempotent: a job
is claimed by a conditional status update, so a repeated delivery does nothing."""

from celery import shared_task

from .models import ImportJob
from .services import import_job_apply, import_job_validate


@shared_task(acks_late=True, soft_time_limit=3 * 3600)
def roster_import_validate(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is not None:
        import_job_validate(job=job)


@shared_task(acks_late=True, soft_time_limit=3 * 3600)
def roster_import_apply(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is not None:
        import_job_apply(job=job)
