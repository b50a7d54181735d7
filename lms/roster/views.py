"""The staff workspace at /roster/: upload → preview (errors, column mapping) → confirm →
progress → result; the import history; exports."""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from lms.accounts import policy

from .export import export_csv_chunks, export_xlsx
from .forms import MappingForm, UploadForm
from .models import ImportJob
from .progress import progress_read
from .selectors import import_jobs_visible_to
from .services import ImportNotAllowed, import_allowed, import_job_confirm, import_job_create, import_job_set_mapping

EXPORT_NAMES = {"members": "党员花名册", "organizations": "党组织"}


def roster_staff(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and policy.is_staff(user) and user.has_perm("roster.view_importjob")
    )


def _staff_only(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not roster_staff(request.user):
            raise PermissionDenied("只有党校和组织部工作人员可以使用花名册导入导出")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _job(request, pk: int) -> ImportJob:
    return get_object_or_404(import_jobs_visible_to(request.user), pk=pk)


@_staff_only
def workspace(request):
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_job_create(
                    user=request.user,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    effective_date=form.cleaned_data.get("effective_date"),
                )
            except ImportNotAllowed as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "文件已上传，正在校验")
                return redirect("roster:job", pk=job.pk)
    jobs = import_jobs_visible_to(request.user)[:10]
    return render(
        request,
        "roster/workspace.html",
        {"form": form, "jobs": jobs, "can_import": import_allowed(request.user)},
    )


@_staff_only
def job_list(request):
    page = Paginator(import_jobs_visible_to(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "roster/job_list.html", {"page": page, "jobs": page.object_list})


@_staff_only
def job_detail(request, pk: int):
    job = _job(request, pk)
    mapping_form = MappingForm(job=job) if job.status == ImportJob.Status.VALIDATED else None
    return render(
        request,
        "roster/job_detail.html",
        {
            "job": job,
            "mapping_form": mapping_form,
            "is_owner": job.created_by_id == request.user.pk,
            "percent": _percent(job),
        },
    )


def _percent(job: ImportJob) -> int:
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.VALIDATED}:
        return 100
    data = progress_read(job.pk)
    if not data or not data.get("total"):
        return 0
    return max(0, min(99, int(100 * data["done"] / data["total"])))


def job_status_payload(job: ImportJob) -> dict:
    data = progress_read(job.pk) or {}
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "busy": job.is_busy,
        "percent": _percent(job),
        "done": data.get("done", 0),
        "total": data.get("total", job.total_rows),
    }


@_staff_only
@require_GET
def job_status(request, pk: int):
    return JsonResponse(job_status_payload(_job(request, pk)))


@_staff_only
@require_POST
def job_mapping(request, pk: int):
    job = _job(request, pk)
    form = MappingForm(request.POST, job=job)
    if form.is_valid():
        try:
            import_job_set_mapping(job=job, user=request.user, mapping=form.mapping())
        except ImportNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "列对应关系已保存，正在重新校验")
    return redirect("roster:job", pk=job.pk)


@_staff_only
@require_POST
def job_confirm(request, pk: int):
    job = _job(request, pk)
    valid_only = request.POST.get("mode") == "valid_only"
    try:
        import_job_confirm(job=job, user=request.user, valid_only=valid_only)
    except ImportNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已确认，正在导入无误的行" if valid_only else "已确认，正在导入")
    return redirect("roster:job", pk=job.pk)


@_staff_only
@require_GET
def job_errors(request, pk: int):
    job = _job(request, pk)
    if not job.error_report:
        raise Http404("没有错误报告")
    label = "未导入的行" if job.skip_invalid and job.status == ImportJob.Status.DONE else "错误报告"
    name = f"{label}-{job.original_name.rsplit('.', 1)[0]}.xlsx"
    return FileResponse(job.error_report.open("rb"), as_attachment=True, filename=name)


@_staff_only
@require_GET
def job_file(request, pk: int):
    job = _job(request, pk)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.original_name)


@_staff_only
@require_GET
def export(request, kind: str, fmt: str):
    if kind not in EXPORT_NAMES or fmt not in {"xlsx", "csv"}:
        raise Http404
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"{EXPORT_NAMES[kind]}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(export_csv_chunks(kind, request.user), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
        return response
    tmp = tempfile.TemporaryFile()
    export_xlsx(kind, request.user, tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename)


def _quote(name: str) -> str:
    return quote(name)
