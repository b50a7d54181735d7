from rest_framework import serializers

from ..models import LiveBroadcast


class BroadcastSerializer(serializers.ModelSerializer):
    class_title = serializers.CharField(source="session.training_class.title")
    session_title = serializers.CharField(source="session.display_title")
    school = serializers.CharField(source="session.training_class.school.name")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ends_at = serializers.DateTimeField(source="session.ends_at")
    status = serializers.CharField(help_text="scheduled 未开始 / live 直播中 / ended 已结束")
    status_label = serializers.CharField(source="get_status_display")
    watch_url = serializers.SerializerMethodField()
    replay_lesson_id = serializers.SerializerMethodField(help_text="录像转为点播课后的微党课编号")

    class Meta:
        model = LiveBroadcast
        fields = [
            "id",
            "class_title",
            "session_title",
            "school",
            "starts_at",
            "ends_at",
            "status",
            "status_label",
            "started_at",
            "ended_at",
            "watch_url",
            "replay_lesson_id",
        ]

    def get_watch_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("live:watch", args=[obj.pk])

    def get_replay_lesson_id(self, obj) -> int | None:
        lesson = obj.lesson
        return lesson.pk if lesson is not None and lesson.live and obj.recording_id else None


class BroadcastDetailSerializer(BroadcastSerializer):
    hls_url = serializers.CharField(help_text="签名的 HLS 地址（有效期内可用）")
    audio_url = serializers.CharField(help_text="仅声音的 HLS 地址")
    links_expire = serializers.IntegerField(help_text="签名地址失效时间（Unix 秒）")
    elapsed = serializers.FloatField(help_text="直播已进行的秒数（观看区间所用的时间轴）")

    class Meta(BroadcastSerializer.Meta):
        fields = BroadcastSerializer.Meta.fields + ["hls_url", "audio_url", "links_expire", "elapsed"]


class LiveHeartbeatInputSerializer(serializers.Serializer):
    intervals = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        required=False,
        default=list,
        max_length=200,
        help_text="自上次心跳以来真实播放的直播区间 [[开始秒, 结束秒], ...]，以开播时刻为 0",
    )
    site = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="收看点终端（工作人员）"
    )


class LiveHeartbeatOutputSerializer(serializers.Serializer):
    credited_seconds = serializers.FloatField()
    live_credited_seconds = serializers.FloatField()
    elapsed = serializers.FloatField()
    status = serializers.CharField()
    site = serializers.CharField()


class CallbackResultSerializer(serializers.Serializer):
    detail = serializers.CharField()
