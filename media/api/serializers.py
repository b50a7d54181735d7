from rest_framework import serializers

from media.models import Rendition, Video


class RenditionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="video（视频）或 audio（仅音频，宽高为 0）")
    playlist_url = serializers.CharField(read_only=True)

    class Meta:
        model = Rendition
        fields = ["kind", "height", "width", "bandwidth", "average_bandwidth", "codecs", "playlist_url"]


class VideoSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    hls_url = serializers.CharField(read_only=True)
    mp4_url = serializers.CharField(read_only=True)
    poster_url = serializers.CharField(read_only=True)
    audio_url = serializers.CharField(
        read_only=True, help_text="仅音频（AAC 约 64 kbps）HLS 播放列表；无声音或未就绪时为空"
    )
    has_audio_only = serializers.BooleanField(read_only=True, help_text="是否有仅音频版本（播放器“仅听声音”）")
    kind = serializers.CharField(read_only=True, help_text="video（视频课）或 audio（音频课，由音频上传生成）")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_ready = serializers.BooleanField(read_only=True)
    renditions = RenditionSerializer(many=True, read_only=True)

    class Meta:
        model = Video
        fields = [
            "id",
            "title",
            "status",
            "status_display",
            "kind",
            "kind_display",
            "progress",
            "error",
            "is_ready",
            "duration",
            "width",
            "height",
            "original_size",
            "hls_url",
            "mp4_url",
            "poster_url",
            "audio_url",
            "has_audio_only",
            "renditions",
            "created_at",
            "processed_at",
        ]
        read_only_fields = fields


class VideoUploadSerializer(serializers.Serializer):
    """Multipart upload. Size, extension and MIME type are checked by the service's rule."""

    file = serializers.FileField(
        allow_empty_file=True,  # the service answers empty files with its own Chinese message
        use_url=False,
        error_messages={
            "required": "请选择要上传的视频文件。",
            "invalid": "上传的内容不是文件，请使用 multipart/form-data 上传。",
            "no_name": "无法确定上传文件的文件名。",
            "empty": "上传的文件是空的。",
        },
    )
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, error_messages={"max_length": "标题不能超过 200 个字。"}
    )
