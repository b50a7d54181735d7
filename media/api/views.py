from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from lms.accounts import policy
from media.selectors import videos_visible_to
from media.services import video_create, video_delete, video_retry

from .serializers import VideoSerializer, VideoUploadSerializer


class IsVideoStaff(permissions.BasePermission):
    """School or department staff (videos are shared county-wide); writes also need the
    model permission their staff group grants."""

    message = "只有党校或组织部工作人员可以管理视频。"
    _write_perms = {"create": "add_video", "retry": "change_video", "destroy": "delete_video"}

    def has_permission(self, request, view) -> bool:
        if not policy.is_staff(request.user):
            return False
        codename = self._write_perms.get(getattr(view, "action", None))
        return codename is None or request.user.has_perm(f"lms_media.{codename}")


def _as_drf_error(exc: DjangoValidationError, field: str = "file") -> ValidationError:
    """An upload refusal belongs to the file field (the one handler would answer `detail`)."""
    return ValidationError({field: exc.messages})


@extend_schema_view(
    list=extend_schema(summary="视频列表（工作人员）"),
    retrieve=extend_schema(summary="视频详情与处理状态"),
    destroy=extend_schema(summary="删除视频及其全部文件"),
)
class VideoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Upload videos, follow their processing (status, progress, error) and retry failures."""

    serializer_class = VideoSerializer
    permission_classes = [permissions.IsAuthenticated, IsVideoStaff]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        qs = videos_visible_to(self.request.user)
        wanted = self.request.query_params.get("status")
        if wanted:
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(
        summary="上传视频（multipart/form-data）",
        request=VideoUploadSerializer,
        responses={201: VideoSerializer, 400: OpenApiResponse(description="文件为空、过大或类型不支持")},
    )
    def create(self, request):
        form = VideoUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            video = video_create(
                file=form.validated_data["file"],
                title=form.validated_data.get("title", ""),
                uploaded_by=request.user,
            )
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        return Response(VideoSerializer(video).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="重试处理失败的视频", request=None, responses={202: VideoSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        video = video_retry(video=self.get_object(), actor=request.user)  # refusals: lms/api_errors.py
        return Response(VideoSerializer(video).data, status=status.HTTP_202_ACCEPTED)

    def perform_destroy(self, instance):
        video_delete(video=instance, actor=self.request.user)
