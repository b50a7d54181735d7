"""学习档案 and 结业证书 pages at /records/: the member's own archive and certificates, the
staff print centre (one member or a whole branch as a zip, a Celery job with progress), a
class's certificates (结业发证, revoke) and the public verification page. Views parse input,
check scope through lms.records.selectors, call one service or selector and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from lms.accounts import policy
from lms.accounts.scope import scoped
from lms.spreadsheets import XLSX_CONTENT_TYPE
from lms.training.models import TrainingClass

from . import selectors
from .documents import archive_pdf, archive_xlsx, certificate_pdf
from .models import ArchiveJob, Certificate
from .services import (
    RecordsError,
    archive_dir,
    archive_job_create,
    certificate_revoke,
    class_certificates_request,
    course_certificates_claim,
)

BRANCHES_PER_PAGE = 50
MEMBERS_PER_PAGE = 100


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _own_member(request):
    member = policy.member_for(request.user)
    if member is None:
        raise PermissionDenied("只有党员账号有个人学习档案。")
    return member


def _archive_member(request, member_id: int):
    return get_object_or_404(selectors.archive_members_for(request.user), pk=member_id)


def verify_url_for(request, certificate: Certificate) -> str:
    return request.build_absolute_uri(reverse("records:verify", args=[certificate.code]))


# --- the member's own archive -----------------------------------------------------------------


def _archive_page(request, member, *, own: bool):
    if own:
        course_certificates_claim(member=member)
    archive = selectors.member_archive(member)
    return render(
        request,
        "records/archive.html",
        {
            "archive": archive,
            "member": member,
            "own": own,
            "can_print": (not own) and selectors.may_print_archives(request.user),
        },
    )


@login_required
def my_archive(request):
    return _archive_page(request, _own_member(request), own=True)


@login_required
def my_archive_pdf(request):
    member = _own_member(request)
    return _download(archive_pdf(selectors.member_archive(member)), f"{member.name}-学习档案.pdf", "application/pdf")


@login_required
def my_archive_xlsx(request):
    member = _own_member(request)
    return _download(archive_xlsx(selectors.member_archive(member)), f"{member.name}-学习档案.xlsx", XLSX_CONTENT_TYPE)


@login_required
def member_archive(request, member_id: int):
    member = _archive_member(request, member_id)
    return _archive_page(request, member, own=member.pk == policy.member_id_for(request.user))


@login_required
def member_archive_pdf(request, member_id: int):
    member = _archive_member(request, member_id)
    return _download(archive_pdf(selectors.member_archive(member)), f"{member.name}-学习档案.pdf", "application/pdf")


@login_required
def member_archive_xlsx(request, member_id: int):
    member = _archive_member(request, member_id)
    return _download(archive_xlsx(selectors.member_archive(member)), f"{member.name}-学习档案.xlsx", XLSX_CONTENT_TYPE)


# --- print centre -----------------------------------------------------------------------------


def _printer_only(request):
    if not selectors.may_print_archives(request.user):
        raise PermissionDenied("只有党校、组织部工作人员和支部书记可以打印他人的学习档案。")


@login_required
def print_centre(request):
    """Branches in the viewer's scope (search by name) with their member counts."""
    _printer_only(request)
    q = (request.GET.get("q") or "").strip()[:60]
    branches = selectors.archive_branches_for(request.user)
    if q:
        branches = branches.filter(name__icontains=q)
    branches = branches.annotate(n=Count("members", filter=Q(members__is_active=True))).order_by("town__name", "path")
    page = Paginator(branches, BRANCHES_PER_PAGE).get_page(request.GET.get("page"))
    jobs = selectors.archive_jobs_visible_to(request.user)[:10]
    return render(request, "records/print_centre.html", {"page": page, "q": q, "jobs": jobs})


@login_required
def branch_detail(request, branch_id: int):
    _printer_only(request)
    branch = get_object_or_404(selectors.archive_branches_for(request.user), pk=branch_id)
    members = selectors.branch_members(branch).filter(pk__in=selectors.archive_members_for(request.user).values("pk"))
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "records/branch.html", {"branch": branch, "page": page})


@login_required
@require_POST
def branch_print(request, branch_id: int):
    _printer_only(request)
    branch = get_object_or_404(selectors.archive_branches_for(request.user), pk=branch_id)
    try:
        job = archive_job_create(user=request.user, branch=branch)
    except RecordsError as exc:
        messages.error(request, str(exc))
        return redirect("records:branch", branch_id=branch.pk)
    messages.success(request, f"已开始生成“{branch.name}”的学习档案")
    return redirect("records:job", pk=job.pk)


@login_required
@require_POST
def member_print(request, member_id: int):
    _printer_only(request)
    member = _archive_member(request, member_id)
    try:
        job = archive_job_create(user=request.user, member=member)
    except RecordsError as exc:
        messages.error(request, str(exc))
        return redirect("records:member", member_id=member.pk)
    return redirect("records:job", pk=job.pk)


def _job(request, pk: int) -> ArchiveJob:
    return get_object_or_404(selectors.archive_jobs_visible_to(request.user), pk=pk)


def job_status_payload(job: ArchiveJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "busy": job.is_busy,
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "download_url": reverse("records:job-download", args=[job.pk])
        if job.status == ArchiveJob.Status.DONE
        else None,
    }


@login_required
def job_detail(request, pk: int):
    job = _job(request, pk)
    return render(request, "records/job.html", {"job": job})


@login_required
@require_GET
def job_status(request, pk: int):
    return JsonResponse(job_status_payload(_job(request, pk)), json_dumps_params={"ensure_ascii": False})


def job_file_response(job: ArchiveJob):
    if job.status != ArchiveJob.Status.DONE or not job.file:
        raise Http404("档案尚未生成完毕。")
    path = archive_dir() / job.file
    if not path.is_file():
        raise Http404("文件已被清理，请重新打印。")
    stamp = timezone.localtime(job.finished_at or timezone.now()).strftime("%Y%m%d")
    response = FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"{job.subject}-学习档案-{stamp}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def job_download(request, pk: int):
    return job_file_response(_job(request, pk))


# --- certificates -----------------------------------------------------------------------------


@login_required
def my_certificates(request):
    member = _own_member(request)
    course_certificates_claim(member=member)
    certificates = selectors.member_certificates(member)
    return render(request, "records/my_certificates.html", {"member": member, "certificates": certificates})


@login_required
@require_GET
def certificate_pdf_view(request, pk: int):
    certificate = get_object_or_404(selectors.certificates_visible_to(request.user), pk=pk)
    content = certificate_pdf(certificate, verify_url_for(request, certificate))
    return _download(content, f"结业证书-{certificate.title}-{certificate.member_name}.pdf", "application/pdf")


@login_required
@require_POST
def certificate_revoke_view(request, pk: int):
    certificate = get_object_or_404(selectors.certificates_visible_to(request.user), pk=pk)
    try:
        certificate_revoke(certificate=certificate, actor=request.user, reason=request.POST.get("reason", ""))
    except RecordsError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from exc
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已撤销 {certificate.member_name} 的证书")
    back = request.POST.get("next") or ""
    if certificate.training_class_id and not back.startswith("/records/"):
        return redirect("records:class", class_id=certificate.training_class_id)
    return redirect(back if back.startswith("/records/") else "records:print")


def _staff_class(request, class_id: int) -> TrainingClass:
    if not policy.is_staff(request.user):
        raise PermissionDenied("只有工作人员可以管理班次证书。")
    return get_object_or_404(scoped(TrainingClass.objects.select_related("school"), request.user), pk=class_id)


@login_required
def class_certificates(request, class_id: int):
    training_class = _staff_class(request, class_id)
    certificates = selectors.class_certificates(training_class)
    closed_at = selectors.class_closed_at(training_class)
    return render(
        request,
        "records/class_certificates.html",
        {
            "training_class": training_class,
            "certificates": certificates,
            "closed": selectors.class_is_closed(training_class),
            "closed_at": closed_at,
            "may_issue": selectors.may_issue_for_class(request.user, training_class),
            "qualified": len(selectors.class_qualified_member_ids(training_class)),
            "required_sessions": selectors.class_required_sessions(training_class).count(),
            "may_revoke": {c.pk for c in certificates if selectors.may_revoke(request.user, c)},
        },
    )


@login_required
@require_POST
def class_certificates_issue_view(request, class_id: int):
    training_class = _staff_class(request, class_id)
    try:
        class_certificates_request(training_class=training_class, actor=request.user)
    except RecordsError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from exc
        messages.error(request, str(exc))
    else:
        messages.success(request, "已开始结业发证，稍后刷新即可看到证书")
    return redirect("records:class", class_id=training_class.pk)


# --- public verification --------------------------------------------------------------------


@require_GET
def verify(request, code: str = ""):
    """Anyone with the code (the QR on the paper) sees a masked name, the class or course,
    the school, the date and whether the certificate is valid — nothing else."""
    code = code or (request.GET.get("code") or "").strip()
    certificate = selectors.certificate_by_code(code) if code else None
    status = 200 if certificate is not None or not code else 404
    return render(
        request,
        "records/verify.html",
        {
            "code": code[:24],
            "certificate": certificate,
            "masked_name": selectors.mask_name(certificate.member_name) if certificate else "",
        },
        status=status,
    )
