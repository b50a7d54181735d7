"""The database search backend's index: one row per searchable lesson, course or teacher.

Rows are derived data, rebuilt at will (``manage.py search_rebuild``) and kept current by the
signals in search/signals.py. Matching runs on a full-text index created in migration 0002:
an FTS5 table on SQLite, a GIN index on ``to_tsvector('simple', …)`` on PostgreSQL."""

from django.db import models

from courses.modules import Module
from lms.schools.models import PartySchool


class SearchKind(models.TextChoices):
    LESSON = "lesson", "微党课"
    COURSE = "course", "课程"
    TEACHER = "teacher", "讲师"


class SearchEntry(models.Model):
    kind = models.CharField("类型", max_length=16, choices=SearchKind.choices)
    object_id = models.PositiveBigIntegerField("对象ID")
    title = models.CharField("标题", max_length=255)
    body = models.TextField("正文", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    # jieba cut_for_search words + characters in order (search/text.py:index_tokens).
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    module = models.CharField("教学模块", max_length=16, choices=Module.choices, blank=True)
    # Space-delimited MemberCategory values (" ordinary mobile "); "" means every member.
    audiences = models.CharField("适用对象", max_length=200, blank=True)
    teacher_kind = models.CharField("讲师类别", max_length=16, blank=True)
    # The tier of the course's (a lesson's course's, a teacher's) school; "" = none (a course of
    # the organisation department, a teacher of no school).
    school_tier = models.CharField("党校层级", max_length=8, choices=PartySchool.Tier.choices, blank=True)
    staff_only = models.BooleanField("仅工作人员可见", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Not anchored to a town or branch: visibility is by kind (search.access.visible_kinds),
    # and only what every member may see is ever stored (search.sources).
    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "搜索条目"
        verbose_name_plural = "搜索条目"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="uniq_search_entry_kind_object")]
        indexes = [models.Index(fields=["kind", "module"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"
