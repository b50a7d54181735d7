"""Roster import/export over the API: upload → (poll) preview → optional mapping → confirm
→ (poll) result; and export in the import layout. Same services as the workspace."""

import tempfile

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.roster.export import export_csv_chunks, export_xlsx
from lms.roster.selectors import import_jobs_visible_to
from lms.roster.services import (
    ImportNotAllowed,
    import_allowed,
    import_job_confirm,
    import_job_create,
    import_job_set_mapping,
)
from lms.roster.views import EXPORT_NAMES, job_status_payload, roster_staff

from .serializers import (
    ExportQuerySerializer,
    ImportConfirmSerializer,
    ImportJobSerializer,
    ImportMappingSerializer,
    ImportStatusSerializer,
    ImportUploadSerializer,
)


class IsRosterStaff(permissions.BasePermission):
    """School or department staff (with the roster permissions); others get 403."""

    message = "只有党校和组织部工作人员可以使用花名册导入导出"

    def has_permission(self, request, view):
        return roster_staff(request.user)


@extend_schema_view(
    list=extend_schema(summary="导入记录（本人及管辖范围内）"),
    retrieve=extend_schema(summary="导入详情：校验结果、错误、计数"),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ImportJobSerializer
    permission_classes = [permissions.IsAuthenticated, IsRosterStaff]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return import_jobs_visible_to(self.request.user)

    @extend_schema(
        summary="上传花名册（开始校验）",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer, 400: OpenApiResponse(description="文件类型/大小错误")},
    )
    def create(self, request):
        if not import_allowed(request.user):
            raise PermissionDenied("您没有导入花名册的权限")
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = import_job_create(
                user=request.user,
                upload=data.validated_data["file"],
                kind=data.validated_data["kind"],
                effective_date=data.validated_data.get("effective_date"),
            )
        except ImportNotAllowed as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="设置未识别表头的对应字段并重新校验", request=ImportMappingSerializer, responses=ImportJobSerializer
    )
    @action(detail=True, methods=["post"])
    def mapping(self, request, pk=None):
        job = self.get_object()
        data = ImportMappingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            import_job_set_mapping(job=job, user=request.user, mapping=data.validated_data["mapping"])
        except ImportNotAllowed as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)

    @extend_schema(
        summary="确认导入（一次事务写入；可选只导入无误的行）",
        request=ImportConfirmSerializer,
        responses=ImportJobSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        job = self.get_object()
        data = ImportConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            import_job_confirm(job=job, user=request.user, valid_only=data.validated_data["valid_only"])
        except ImportNotAllowed as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)

    @extend_schema(summary="进度（校验或导入中）", responses=ImportStatusSerializer)
    @action(detail=True, methods=["get"], url_path="status")
    def job_status(self, request, pk=None):
        return Response(ImportStatusSerializer(job_status_payload(self.get_object())).data)

    @extend_schema(
        summary="下载错误报告（xlsx）",
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="errors", url_name="errors")
    def errors(self, request, pk=None):
        job = self.get_object()
        if not job.error_report:
            raise Http404("没有错误报告")
        return FileResponse(job.error_report.open("rb"), as_attachment=True, filename=f"errors-{job.pk}.xlsx")


class ExportView(APIView):
    """Members or organizations in the caller's jurisdiction, in the import layout."""

    permission_classes = [permissions.IsAuthenticated, IsRosterStaff]

    @extend_schema(
        summary="导出党员或党组织（与导入格式相同）",
        parameters=[
            OpenApiParameter("kind", str, enum=["members", "organizations"]),
            OpenApiParameter(
                "file_format", str, enum=["xlsx", "csv"], description="DRF 保留了 format 参数，故用 file_format"
            ),
        ],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request):
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind, fmt = query.validated_data["kind"], query.validated_data["file_format"]
        filename = f"{EXPORT_NAMES[kind]}-{timezone.localdate():%Y%m%d}.{fmt}"
        if fmt == "csv":
            response = StreamingHttpResponse(
                export_csv_chunks(kind, request.user), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
            return response
        tmp = tempfile.TemporaryFile()
        export_xlsx(kind, request.user, tmp)
        tmp.seek(0)
        return FileResponse(tmp, as_attachment=True, filename=filename)
