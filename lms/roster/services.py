"""Writes of the roster app: upload, column mapping, validation, confirmation and the
one-transaction apply of an import job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from lms.accounts import policy
from lms.accounts.scope import scope_for
from lms.audit.services import audit_record
from lms.organizations.models import PartyOrganization

from .columns import columns_for, resolve_mapping
from .importers.base import Counts, ImportAborted, RowError
from .importers.members import MemberImport
from .importers.organizations import OrganizationImport
from .models import ImportJob
from .parsing import FileUnreadable, cache_rows, open_cached_table, open_table
from .progress import progress_clear, progress_write
from .report import ErrorReport
from .storage import import_dir

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
ERROR_SAMPLE = 500
ALLOWED_SUFFIXES = (".xlsx", ".csv")
IMPORTERS = {"members": MemberImport, "organizations": OrganizationImport}


class ImportNotAllowed(Exception):
    """The user may not do this; str(exc) is the Chinese reason."""


def max_upload_bytes() -> int:
    return int(getattr(settings, "ROSTER_MAX_UPLOAD_MB", 50)) * 1024 * 1024


@dataclass
class ImportOutcome:
    headers: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # the first ERROR_SAMPLE
    error_count: int = 0
    counts: Counts = field(default_factory=Counts)
    report_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and self.error_count == 0 and self.counts.rows > 0


def import_file_run(
    *,
    path: str | Path,
    original_name: str,
    kind: str,
    user,
    overrides: dict | None = None,
    apply: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    report_path: Path | None = None,
    total_hint: int = 0,
    cache_path: Path | None = None,
    effective_date=None,
    skip_invalid: bool = False,
) -> ImportOutcome:
    """Stream the file through the row rules in chunks. With apply=True the caller holds the
    transaction and an error raises ImportAborted before anything of it is committed —
    unless skip_invalid, when faulty rows are left out (and listed in the report)."""
    outcome = ImportOutcome()
    cached = apply and cache_path is not None and cache_path.exists()
    opener = open_cached_table(cache_path, total_hint) if cached else open_table(path, kind, original_name)
    try:
        with opener as table:
            outcome.headers = table.headers
            mapping = resolve_mapping(kind, table.headers, overrides)
            outcome.unknown = mapping.unknown
            if mapping.missing_required:
                outcome.file_errors.append("缺少必填列：" + "、".join(mapping.missing_required))
            if mapping.duplicates:
                outcome.file_errors.append("以下字段对应了多列：" + "、".join(mapping.duplicates))
            if outcome.file_errors:
                return outcome
            importer = IMPORTERS[kind](
                user=user,
                mapping=mapping,
                headers=table.headers,
                apply=apply,
                effective_date=effective_date,
                skip_invalid=skip_invalid,
            )
            report = ErrorReport(report_path, table.headers) if report_path else None
            rows = iter(cache_rows(table, cache_path) if cache_path and not apply else table.rows)
            done = 0
            while chunk := list(islice(rows, CHUNK_ROWS)):
                errors = importer.process(chunk)
                done += len(chunk)
                outcome.error_count += len(errors)
                room = ERROR_SAMPLE - len(outcome.errors)
                if room > 0:
                    outcome.errors += errors[:room]
                if report and errors:
                    report.add(chunk, errors)
                if on_progress:
                    on_progress(done, max(done, total_hint or table.total_rows))
            if not apply or skip_invalid or outcome.error_count == 0:
                importer.finish()
            outcome.counts = importer.counts
            if report and report.rows:
                report.close()
                outcome.report_rows = report.rows
    except FileUnreadable as exc:
        if apply:
            raise ImportAborted([RowError(0, "", str(exc))]) from exc
        outcome.file_errors.append(str(exc))
    if outcome.counts.rows == 0 and not outcome.file_errors:
        outcome.file_errors.append("文件中没有数据行")
    return outcome


def import_allowed(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.has_perm("roster.add_importjob") and policy.is_staff(user)
    )


def _anchor(user) -> dict:
    """The importer's place in the tree, recorded on the job for review from above."""
    scope = scope_for(user)
    if scope.org_paths:
        return {"organization": PartyOrganization.objects.filter(path=scope.org_paths[0]).first()}
    if len(scope.town_ids) == 1:
        return {"town_id": next(iter(scope.town_ids))}
    return {}


@transaction.atomic
def import_job_create(
    *, user, upload, kind: str, effective_date: dt.date | None = None, run_async: bool = True
) -> ImportJob:
    """Store the upload and start the preview. `effective_date`: from which day the category
    and branch changes in the file count (rows may carry their own 变动日期); default the
    day of the import. It cannot lie in the future: records only for what happened."""
    if not import_allowed(user):
        raise ImportNotAllowed("您没有导入花名册的权限")
    if kind not in IMPORTERS:
        raise ImportNotAllowed("导入内容只能是党员或党组织")
    name = Path(getattr(upload, "name", "") or "").name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ImportNotAllowed("只支持 .xlsx 和 .csv 文件；旧版 .xls 请先另存为 .xlsx")
    if upload.size > max_upload_bytes():
        raise ImportNotAllowed(f"文件超过 {max_upload_bytes() // 1024 // 1024} MB，请分批导入")
    if effective_date is not None and effective_date > timezone.localdate():
        raise ImportNotAllowed("变动生效日期不能晚于今天")
    job = ImportJob(
        kind=kind, original_name=name[:255], created_by=user, effective_date=effective_date, **_anchor(user)
    )
    job.file.save(name, upload if isinstance(upload, File) else File(upload), save=False)
    job.full_clean()
    job.save()
    audit_record(
        actor=user, action="roster.import_upload", obj=job, summary=f"上传{job.get_kind_display()}花名册 {name}"
    )
    if run_async:
        _enqueue("validate", job.pk)
    return job


def _enqueue(step: str, job_id: int) -> None:
    from . import tasks  # tasks import this module (the import job steps they run)

    task = tasks.roster_import_validate if step == "validate" else tasks.roster_import_apply
    transaction.on_commit(lambda: task.delay(job_id))


@transaction.atomic
def import_job_set_mapping(*, job: ImportJob, user, mapping: dict, run_async: bool = True) -> ImportJob:
    """Store the user's choices for unrecognized headers and validate again."""
    if user.pk != job.created_by_id:
        raise ImportNotAllowed("只能由上传人调整列对应关系")
    if job.status not in {ImportJob.Status.VALIDATED, ImportJob.Status.UPLOADED}:
        raise ImportNotAllowed("该导入已确认或正在处理，不能再调整列对应关系")
    keys = {c.key for c in columns_for(job.kind)}
    clean = {}
    for header, key in (mapping or {}).items():
        if header not in job.headers:
            raise ImportNotAllowed(f"文件中没有表头“{header}”")
        if key and key not in keys:
            raise ImportNotAllowed(f"未知的字段“{key}”")
        clean[header] = key or ""
    job.mapping = {**job.mapping, **clean}
    job.status = ImportJob.Status.UPLOADED
    job.save(update_fields=["mapping", "status"])
    if run_async:
        _enqueue("validate", job.pk)
    return job


def import_job_validate(*, job: ImportJob) -> ImportJob:
    """The preview: validate every row and count what the import would change, writing nothing."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.UPLOADED).update(
        status=ImportJob.Status.VALIDATING
    )
    if not claimed:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    report_name = f"reports/job-{job.pk}-errors.xlsx"
    report_path = import_dir() / report_name
    try:
        outcome = import_file_run(
            path=job.file.path,
            original_name=job.original_name,
            kind=job.kind,
            user=job.created_by,
            overrides=job.mapping,
            apply=False,
            on_progress=lambda done, total: progress_write(job.pk, phase="validate", done=done, total=total),
            report_path=report_path,
            cache_path=_cache_path(job),
            effective_date=job.effective_date,
        )
    except Exception as exc:  # noqa: BLE001 - the job must not stay "validating" forever
        logger.exception("roster import %s: validation crashed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.message = f"校验时出错：{exc}"
        job.save(update_fields=["status", "message"])
        progress_clear(job.pk)
        return job
    _store_outcome(job, outcome)
    job.error_report = report_name if outcome.report_rows else ""
    job.status = ImportJob.Status.VALIDATED
    job.validated_at = timezone.now()
    job.message = "" if outcome.ok else "请根据错误说明修改文件后重新上传，或调整列对应关系"
    if job.can_confirm_valid:
        job.message += "；也可以先只导入无误的行，有错误的行下载后修改再导入"
    job.save()
    progress_clear(job.pk)
    return job


def _store_outcome(job: ImportJob, outcome: ImportOutcome) -> None:
    c = outcome.counts
    job.headers = outcome.headers
    job.unknown_headers = outcome.unknown
    job.file_errors = outcome.file_errors
    job.errors = [{"row": e.row, "column": e.column, "message": e.message} for e in outcome.errors]
    job.error_count = outcome.error_count
    job.error_rows = c.error_rows
    job.total_rows = c.rows
    job.created_count, job.updated_count, job.unchanged_count = c.created, c.updated, c.unchanged
    job.users_created = c.users_created
    job.missing_count, job.missing = c.missing, c.missing_sample
    job.skipped_summary = c.summary_rows[:ERROR_SAMPLE]
    job.history_count = c.history


@transaction.atomic
def import_job_confirm(*, job: ImportJob, user, valid_only: bool = False, run_async: bool = True) -> ImportJob:
    """Confirm the preview: all rows (only when none has an error), or with valid_only the
    rows without errors — the others are skipped and listed in the error report."""
    if user.pk != job.created_by_id:
        raise ImportNotAllowed("只能由上传人确认导入")
    job.refresh_from_db()
    if job.status != ImportJob.Status.VALIDATED:
        raise ImportNotAllowed(f"该导入当前状态为“{job.get_status_display()}”，不能确认")
    if valid_only and not (job.can_confirm_valid or job.can_confirm):
        raise ImportNotAllowed("文件中没有可以导入的无误行")
    if not valid_only and not job.can_confirm:
        raise ImportNotAllowed("文件中还有错误，不能全部导入；可修改后重新上传，或选择“只导入无误的行”")
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.QUEUED, confirmed_at=timezone.now(), skip_invalid=valid_only
    )
    if not claimed:
        raise ImportNotAllowed("该导入已被确认")
    job.refresh_from_db()
    if run_async:
        _enqueue("apply", job.pk)
    return job


def import_job_apply(*, job: ImportJob) -> ImportJob:
    """Apply a confirmed job in ONE transaction: the rows are validated again against the
    database as it is now, and any error or crash rolls everything back."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    job.refresh_from_db()
    if not claimed:
        return job  # a repeated delivery of the task, or a job not confirmed
    report_name = f"reports/job-{job.pk}-skipped.xlsx"
    try:
        with transaction.atomic():
            outcome = import_file_run(
                path=job.file.path,
                original_name=job.original_name,
                kind=job.kind,
                user=job.created_by,
                overrides=job.mapping,
                apply=True,
                on_progress=lambda done, total: progress_write(job.pk, phase="apply", done=done, total=total),
                total_hint=job.total_rows,
                cache_path=_cache_path(job),
                effective_date=job.effective_date,
                skip_invalid=job.skip_invalid,
                report_path=import_dir() / report_name if job.skip_invalid else None,
            )
            if outcome.file_errors:
                raise ImportAborted([RowError(0, "", "；".join(outcome.file_errors))])
            _store_outcome(job, outcome)
            if job.skip_invalid:
                job.error_report = report_name if outcome.report_rows else ""
            job.status = ImportJob.Status.DONE
            job.finished_at = timezone.now()
            job.message = ""
            job.save()
            audit_record(
                actor=job.created_by,
                action="roster.import_apply",
                obj=job,
                summary=(
                    f"导入{job.get_kind_display()} {job.original_name}：新增 {job.created_count}，"
                    f"更新 {job.updated_count}，未变化 {job.unchanged_count}"
                    + (f"，跳过有错误的行 {job.error_rows}" if job.skip_invalid else "")
                ),
                changes={
                    "created": job.created_count,
                    "updated": job.updated_count,
                    "missing": job.missing_count,
                    "skipped": job.error_rows if job.skip_invalid else 0,
                    "history": job.history_count,
                },
            )
    except ImportAborted as exc:
        _fail(job, f"导入已撤销，没有写入任何数据。原因：{exc}", exc.errors)
    except Exception as exc:  # noqa: BLE001 - rolled back; the job records why
        logger.exception("roster import %s: apply crashed", job.pk)
        _fail(job, f"导入失败，已全部撤销，没有写入任何数据。原因：{exc}", [])
    finally:
        progress_clear(job.pk)
        _cache_path(job).unlink(missing_ok=True)
    return job


def _cache_path(job: ImportJob) -> Path:
    return import_dir() / "cache" / f"job-{job.pk}.jsonl"


def _fail(job: ImportJob, message: str, errors: list[RowError]) -> None:
    job.refresh_from_db()
    job.status = ImportJob.Status.FAILED
    job.message = message[:2000]
    job.finished_at = timezone.now()
    fields = ["status", "message", "finished_at"]
    if errors:
        job.errors = [{"row": e.row, "column": e.column, "message": e.message} for e in errors[:ERROR_SAMPLE]]
        fields.append("errors")
    job.save(update_fields=fields)
