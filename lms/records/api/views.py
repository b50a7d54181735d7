"""学习档案 and 结业证书 API: the same selectors, services and scope as the /records/ pages.
Another town's member, branch or certificate is 404 (it is not in the caller's scope)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.accounts import policy
from lms.members.models import Member
from lms.spreadsheets import XLSX_CONTENT_TYPE

from .. import selectors
from ..documents import archive_pdf, archive_xlsx, certificate_pdf
from ..services import RecordsError, archive_job_create, certificate_revoke, course_certificates_claim
from ..views import _download, job_file_response
from .serializers import (
    ArchiveJobInputSerializer,
    ArchiveJobSerializer,
    ArchiveSerializer,
    CertificateSerializer,
    RevokeInputSerializer,
    VerificationSerializer,
)


def _file(content_type: str, description: str) -> dict:
    """A file answer under its own media type; the JSON error answers (401/403/404) are added to
    every operation by lms.api_schema.document_error_responses."""
    return {(200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


def _member(request, pk: int) -> Member:
    member = selectors.archive_members_for(request.user).filter(pk=pk).first()
    if member is None:
        raise NotFound("未找到该党员。")
    return member


def _error(exc: RecordsError) -> Response:
    return Response({"detail": str(exc)}, status=exc.status)


@extend_schema(
    tags=["records"],
    responses={200: ArchiveSerializer},
    description="党员学习档案（每个年度：集中培训、在线学习、年度指标、五年一轮训、证书、积分）。"
    "党员本人；工作人员限本人负责范围；支部书记限本支部。",
)
class ArchiveView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        member = _member(request, pk)
        return Response(ArchiveSerializer(selectors.member_archive(member)).data)


@extend_schema(tags=["records"], responses={200: ArchiveSerializer}, description="调用者本人的学习档案。")
class MyArchiveView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        member = policy.member_for(request.user)
        if member is None:
            raise PermissionDenied("只有党员账号有个人学习档案。")
        course_certificates_claim(member=member)
        return Response(ArchiveSerializer(selectors.member_archive(member)).data)


@extend_schema(
    tags=["records"], responses=_file("application/pdf", "学习档案PDF"), description="学习档案PDF（范围同上）。"
)
class ArchivePdfView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        member = _member(request, pk)
        content = archive_pdf(selectors.member_archive(member))
        return _download(content, f"{member.name}-学习档案.pdf", "application/pdf")


@extend_schema(
    tags=["records"], responses=_file(XLSX_CONTENT_TYPE, "学习档案Excel"), description="学习档案Excel（范围同上）。"
)
class ArchiveXlsxView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        member = _member(request, pk)
        content = archive_xlsx(selectors.member_archive(member))
        return _download(content, f"{member.name}-学习档案.xlsx", XLSX_CONTENT_TYPE)


@extend_schema(
    tags=["records"],
    request=ArchiveJobInputSerializer,
    responses={202: ArchiveJobSerializer},
    description="后台打印学习档案（单个党员或整个支部，压缩包）：返回任务，轮询任务查看进度。"
    "仅党校、组织部工作人员（本人范围）和支部书记（本支部）。",
)
class ArchiveJobCreateView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        serializer = ArchiveJobInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        branch_id, member_id = serializer.validated_data.get("branch"), serializer.validated_data.get("member")
        if bool(branch_id) == bool(member_id):
            return Response({"detail": "请选择一个支部或一名党员。"}, status=400)
        if not selectors.may_print_archives(request.user):
            raise PermissionDenied("只有党校、组织部工作人员和支部书记可以批量打印档案。")
        branch = member = None
        if branch_id:
            branch = selectors.archive_branches_for(request.user).filter(pk=branch_id).first()
            if branch is None:
                raise NotFound("未找到该支部。")
        else:
            member = _member(request, member_id)
        try:
            job = archive_job_create(user=request.user, branch=branch, member=member)
        except RecordsError as exc:
            return _error(exc)
        job.refresh_from_db()
        return Response(ArchiveJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["records"], responses={200: ArchiveJobSerializer}, description="打印任务的状态和进度（仅申请人）。"
)
class ArchiveJobDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        job = selectors.archive_jobs_visible_to(request.user).filter(pk=pk).first()
        if job is None:
            raise NotFound("未找到该打印任务。")
        return Response(ArchiveJobSerializer(job).data)


@extend_schema(
    tags=["records"],
    responses=_file("application/zip", "学习档案压缩包（每人一份PDF；整个支部另附汇总表）"),
    description="下载打印好的压缩包（仅申请人）；尚未完成或文件已清理时为404。",
)
class ArchiveJobDownloadView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        job = selectors.archive_jobs_visible_to(request.user).filter(pk=pk).first()
        if job is None:
            raise NotFound("未找到该打印任务。")
        return job_file_response(job)


@extend_schema(
    tags=["records"],
    responses={200: CertificateSerializer(many=True)},
    description="结业证书：党员本人的；工作人员为其范围内党员的及本校颁发的；支部书记为本支部的。",
)
class CertificateListView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        member = policy.member_for(request.user)
        if member is not None:
            course_certificates_claim(member=member)
        qs = selectors.certificates_visible_to(request.user).order_by("-issued_on", "-id")[:500]
        return Response(CertificateSerializer(qs, many=True).data)


@extend_schema(
    tags=["records"], responses=_file("application/pdf", "结业证书PDF"), description="证书PDF（含验证码和二维码）。"
)
class CertificatePdfView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        certificate = get_object_or_404(selectors.certificates_visible_to(request.user), pk=pk)
        url = request.build_absolute_uri(f"/records/verify/{certificate.code}/")
        return _download(certificate_pdf(certificate, url), f"结业证书-{certificate.code}.pdf", "application/pdf")


@extend_schema(
    tags=["records"],
    request=RevokeInputSerializer,
    responses={200: CertificateSerializer},
    description="撤销证书（须填写原因）：发证党校的工作人员或该党员所在范围的组织部。已撤销的再次撤销返回409。",
)
class CertificateRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, pk: int):
        certificate = selectors.certificates_visible_to(request.user).filter(pk=pk).first()
        if certificate is None:
            raise NotFound("未找到该证书。")
        serializer = RevokeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            revoked = certificate_revoke(
                certificate=certificate, actor=request.user, reason=serializer.validated_data["reason"]
            )
        except RecordsError as exc:
            return _error(exc)
        return Response(CertificateSerializer(revoked).data)


@extend_schema(
    tags=["records"],
    auth=[],
    responses={200: VerificationSerializer, 404: OpenApiResponse(description="验证码不存在")},
    description="公开验证证书（无需登录）：部分遮盖的姓名、班次或课程、发证单位、日期、是否有效。",
)
class VerifyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request, code: str):
        certificate = selectors.certificate_by_code(code)
        if certificate is None:
            raise NotFound("未找到该证书。")
        return Response(VerificationSerializer(certificate).data)
