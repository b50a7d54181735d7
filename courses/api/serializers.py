from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from courses.models import CoursePage, LessonPage, StudyProgress
from courses.selectors import COVER_FILTER


def _page_url(page, context) -> str:
    return page.get_url(context.get("request")) or ""


class TeacherBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()


class SchoolBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField()


class CourseSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    module_label = serializers.CharField(source="get_module_display")
    audiences = serializers.ListField(child=serializers.CharField())
    audience_labels = serializers.ListField(child=serializers.CharField())
    cover_url = serializers.SerializerMethodField()
    lesson_count = serializers.IntegerField()
    teachers = TeacherBriefSerializer(many=True)
    school = SchoolBriefSerializer(allow_null=True, help_text="开课党校；为空表示由组织部统一发布")

    class Meta:
        model = CoursePage
        fields = [
            "id",
            "title",
            "url",
            "module",
            "module_label",
            "audiences",
            "audience_labels",
            "credit_hours",
            "summary",
            "cover_url",
            "lesson_count",
            "teachers",
            "school",
        ]

    def get_url(self, obj) -> str:
        return _page_url(obj, self.context)

    def get_cover_url(self, obj) -> str:
        return obj.cover.get_rendition(COVER_FILTER).url if obj.cover_id else ""


class LessonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    duration_seconds = serializers.FloatField()
    playable = serializers.BooleanField()
    watched_seconds = serializers.FloatField()
    completed = serializers.BooleanField()


class CourseDetailSerializer(CourseSerializer):
    lessons = serializers.SerializerMethodField()

    class Meta(CourseSerializer.Meta):
        fields = CourseSerializer.Meta.fields + ["lessons"]

    def get_lessons(self, obj) -> LessonBriefSerializer(many=True):
        progress = self.context.get("progress", {})
        rows = []
        for lesson in self.context.get("lessons", []):
            p = progress.get(lesson.pk)
            rows.append(
                {
                    "id": lesson.pk,
                    "title": lesson.title,
                    "url": _page_url(lesson, self.context),
                    "duration_seconds": lesson.duration_seconds,
                    "playable": lesson.is_playable,
                    "watched_seconds": p.watched_seconds if p else 0.0,
                    "completed": bool(p and p.completed_at),
                }
            )
        return LessonBriefSerializer(rows, many=True).data


class PlaybackSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="uploaded / processing / ready / failed；无视频时为 none")
    hls_url = serializers.CharField(allow_blank=True)
    mp4_url = serializers.CharField(allow_blank=True)
    poster_url = serializers.CharField(allow_blank=True)
    audio_url = serializers.CharField(allow_blank=True, help_text="仅音频（AAC 约 64 kbps）HLS 播放列表，供“仅听声音”")
    has_audio_only = serializers.BooleanField(help_text="是否有仅音频版本")
    kind = serializers.CharField(help_text="video（视频课）或 audio（音频课）；无视频时为空")


class ProgressSerializer(serializers.Serializer):
    last_position = serializers.FloatField()
    resume_position = serializers.FloatField(help_text="播放器应从此处续播（秒）")
    watched_seconds = serializers.FloatField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)


class DocumentSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()
    file_extension = serializers.CharField()


class LessonDetailSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    course = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField()
    playable = serializers.BooleanField(source="is_playable")
    playback = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    heartbeat_url = serializers.SerializerMethodField()

    class Meta:
        model = LessonPage
        fields = [
            "id",
            "title",
            "url",
            "course",
            "body",
            "transcript",
            "duration_seconds",
            "playable",
            "playback",
            "documents",
            "progress",
            "heartbeat_url",
        ]

    def get_url(self, obj) -> str:
        return _page_url(obj, self.context)

    def get_course(self, obj) -> dict:
        course = self.context["course"]
        return {"id": course.pk, "title": course.title, "url": _page_url(course, self.context)}

    def get_body(self, obj) -> str:
        return expand_db_html(obj.body)

    def get_playback(self, obj) -> PlaybackSerializer:
        request = self.context.get("request")
        video = obj.video

        def absolute(url: str) -> str:
            return request.build_absolute_uri(url) if url and request is not None else url

        if video is None:
            empty = {"hls_url": "", "mp4_url": "", "poster_url": "", "audio_url": "", "kind": ""}
            return {"status": "none", **empty, "has_audio_only": False}
        return {
            "status": video.status,
            "hls_url": absolute(video.hls_url),
            "mp4_url": absolute(video.mp4_url),
            "poster_url": absolute(video.poster_url),
            "audio_url": absolute(video.audio_url),
            "has_audio_only": video.has_audio_only,
            "kind": video.kind,
        }

    def get_documents(self, obj) -> DocumentSerializer(many=True):
        return [{"title": d.title, "url": d.url, "file_extension": d.file_extension} for d in self.context["documents"]]

    def get_progress(self, obj) -> ProgressSerializer:
        p: StudyProgress | None = self.context.get("progress")
        duration = obj.duration_seconds
        if p is None:
            return {
                "last_position": 0.0,
                "resume_position": 0.0,
                "watched_seconds": 0.0,
                "completed": False,
                "completed_at": None,
            }
        resume = p.last_position if 0.5 < p.last_position < duration - 1 else 0.0
        return ProgressSerializer(
            {
                "last_position": p.last_position,
                "resume_position": resume,
                "watched_seconds": p.watched_seconds,
                "completed": p.completed_at is not None,
                "completed_at": p.completed_at,
            }
        ).data

    def get_heartbeat_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("courses-api:lesson-heartbeat", args=[obj.pk])


class HeartbeatInputSerializer(serializers.Serializer):
    intervals = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        required=False,
        default=list,
        help_text="自上次心跳以来真实播放的区间 [[开始秒, 结束秒], ...]；空列表表示开始计时。",
    )
    position = serializers.FloatField(required=False, allow_null=True, help_text="当前播放位置（秒）")


class HeartbeatOutputSerializer(serializers.Serializer):
    credited_seconds = serializers.FloatField(help_text="本次心跳新计入的秒数")
    watched_seconds = serializers.FloatField(help_text="本课累计计入的秒数")
    duration_seconds = serializers.FloatField()
    last_position = serializers.FloatField()
    completed = serializers.BooleanField()
    completed_now = serializers.BooleanField()


class ProgressRowSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    lesson_title = serializers.CharField(source="lesson.title")
    course_title = serializers.CharField(allow_null=True)
    url = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(source="lesson.duration_seconds")
    watched_seconds = serializers.FloatField()
    last_position = serializers.FloatField()
    completed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_url(self, obj) -> str:
        return _page_url(obj.lesson, self.context)


class MyProgressSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    seconds_this_year = serializers.FloatField()
    hours_this_year = serializers.DecimalField(max_digits=8, decimal_places=2)
    lessons_completed_this_year = serializers.IntegerField()
    rule = serializers.CharField()
    in_progress = ProgressRowSerializer(many=True)
    completed = ProgressRowSerializer(many=True)
