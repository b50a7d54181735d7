from lms.roster.models import ImportJob
from lms.roster.services import import_job_apply, import_job_confirm, import_job_create, import_job_validate


def preview(user, upload, kind: str = "members") -> ImportJob:
    job = import_job_create(user=user, upload=upload, kind=kind, run_async=False)
    return import_job_validate(job=job)


def run_import(user, upload, kind: str = "members") -> ImportJob:
    job = preview(user, upload, kind)
    assert job.can_confirm, (job.file_errors, job.errors)
    import_job_confirm(job=job, user=user, run_async=False)
    return import_job_apply(job=job)


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in job.errors]
