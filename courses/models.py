"""Course catalog pages (what editors publish) and study progress (what members' players report).

Pages: CourseIndexPage (the catalog) → CoursePage (a course in one module) → LessonPage (one
micro-lesson with its video). Progress is transactional, so it lives in plain models:
StudyProgress keeps the merged really-played intervals of one member in one lesson, StudyDay
the seconds credited to a member for a lesson on one calendar day (Asia/Shanghai) — the
quotas feature sums StudyDay per year."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.template.response import TemplateResponse
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from lms.members.models import MemberCategory

from .forms import CoursePageForm
from .modules import Module


class AudienceField(models.JSONField):
    """A list of MemberCategory values stored as JSON (portable across SQLite and PostgreSQL),
    edited as checkboxes."""

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=MemberCategory.choices,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=self.verbose_name,
            help_text=self.help_text,
        )

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = set(MemberCategory.values)
        if not isinstance(value, list) or any(v not in allowed for v in value):
            raise ValidationError("适用对象只能从党员类别中选择。")


def _login_redirect(request):
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(request.get_full_path())


class CourseIndexPage(Page):
    """The course catalog (课程中心): lists live courses, filterable by module and audience."""

    intro = RichTextField("简介", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = "课程中心"
        verbose_name_plural = "课程中心"

    def route(self, request, path_components):
        """A course (one component below the catalog) or a lesson (two) found by its url_path
        with its parent in two queries, instead of Wagtail's walk (a child query and a
        `specific` query per level, then the course again for the lesson's context). Anything
        else — deeper paths, a slug that matches nothing — takes Wagtail's walk, so 404s and
        liveness are decided as before (`Page.route` with no components)."""
        if 1 <= len(path_components) <= 2:
            course_path = f"{self.url_path}{path_components[0]}/"
            course = CoursePage.objects.filter(url_path=course_path, path__startswith=self.path).first()
            if course is not None:
                course._cached_parent_obj = self
                if len(path_components) == 1:
                    return course.route(request, [])
                lesson = (
                    LessonPage.objects.filter(
                        url_path=f"{course_path}{path_components[1]}/", path__startswith=course.path
                    )
                    .select_related("video")
                    .first()
                )
                if lesson is not None:
                    lesson._cached_parent_obj = course
                    return lesson.route(request, [])
        return super().route(request, path_components)

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import CATALOG_LIST_SECONDS, catalog_courses, catalog_version

        context = super().get_context(request, *args, **kwargs)
        module = request.GET.get("module") or ""
        audience = request.GET.get("audience") or ""
        module = module if module in Module.values else ""
        audience = audience if audience in MemberCategory.values else ""
        context.update(
            courses=catalog_courses(index=self, module=module or None, audience=audience or None),
            modules=Module.choices,
            audiences=MemberCategory.choices,
            selected_module=module,
            selected_audience=audience,
            catalog_version=catalog_version(),
            catalog_list_seconds=CATALOG_LIST_SECONDS,
        )
        return context


class CoursePage(Page):
    """A course (课程) in one of the three modules, for some member categories, worth some 学时."""

    module = models.CharField("教学模块", max_length=16, choices=Module.choices, default=Module.GENERAL)
    audiences = AudienceField("适用对象", default=list, blank=True, help_text="不选表示面向全体党员。")
    credit_hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=1)
    summary = models.TextField("课程简介", blank=True)
    cover = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="封面"
    )
    teachers = ParentalManyToManyField("teachers.Teacher", blank=True, related_name="courses", verbose_name="授课讲师")
    # Who offers the course; search filters by the school's tier (its lessons inherit it).
    school = models.ForeignKey(
        "schools.PartySchool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name="开课党校",
        help_text="不选表示由组织部统一发布。",
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("module"), FieldPanel("audiences"), FieldPanel("credit_hours"), FieldPanel("school")],
            heading="课程设置",
        ),
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("teachers", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.FilterField("module")]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]
    # The school picker offers only schools the editor may publish for (page rights follow it).
    base_form_class = CoursePageForm

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"

    @property
    def audience_labels(self) -> list[str]:
        return [MemberCategory(a).label for a in self.audiences] or ["全体党员"]

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_lessons, progress_by_lesson

        context = super().get_context(request, *args, **kwargs)
        lessons = list(course_lessons(self))
        from lms.accounts import policy

        member = policy.member_for(request.user)
        progress = progress_by_lesson(member, [lesson.pk for lesson in lessons]) if member else {}
        for lesson in lessons:
            lesson.my_progress = progress.get(lesson.pk)
        context.update(lessons=lessons, teachers=list(self.teachers.all()))
        return context


class LessonPage(Page):
    """One video micro-lesson (微党课): a video from media/, a rich-text body, courseware
    documents and an optional transcript. Only members (and staff, to preview) may watch."""

    video = models.ForeignKey(
        "lms_media.Video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        verbose_name="视频",
    )
    body = RichTextField("课程内容", blank=True)
    transcript = models.TextField("字幕/文字稿", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("video"),
        FieldPanel("body"),
        InlinePanel("documents", label="课件", heading="课件（PDF/PPT 等，可下载）"),
        FieldPanel("transcript"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body"), index.SearchField("transcript")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "微党课"
        verbose_name_plural = "微党课"

    @property
    def is_playable(self) -> bool:
        video = self.video
        return bool(video is not None and video.is_ready and (video.duration or 0) > 0)

    @property
    def duration_seconds(self) -> float:
        """The video's probed duration; 0 while there is no ready video."""
        video = self.video
        return float(video.duration or 0) if video is not None and video.is_ready else 0.0

    @property
    def duration_display(self) -> str:
        total = round(self.duration_seconds)
        if not total:
            return "—"
        minutes, seconds = divmod(total, 60)
        return f"{minutes}:{seconds:02d}"

    def serve(self, request, *args, **kwargs):
        from .access import may_watch

        if not request.user.is_authenticated:
            return _login_redirect(request)
        if not may_watch(request.user):
            return TemplateResponse(request, "courses/forbidden.html", status=403)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_documents, progress_for

        context = super().get_context(request, *args, **kwargs)
        from lms.accounts import policy

        member = policy.member_for(request.user)
        context.update(
            course=self.get_parent().specific,
            documents=lesson_documents(self),
            progress=progress_for(member, self) if member else None,
            is_member=member is not None,
        )
        return context


class LessonDocument(Orderable):
    """A courseware file (课件) attached to a lesson; served by Wagtail's document view."""

    lesson = ParentalKey(LessonPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="+", verbose_name="文件"
    )

    panels = [FieldPanel("document")]

    class Meta(Orderable.Meta):
        verbose_name = "课件"
        verbose_name_plural = "课件"


class StudyProgress(models.Model):
    """One member's viewing of one lesson. `intervals` is the merged, sorted list of
    [start, end] seconds that were really played AND credited; `watched_seconds` is its
    measure, so it always equals the seconds credited across the member's StudyDay rows."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="study_progress")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    intervals = models.JSONField("已观看区间", default=list, blank=True)
    watched_seconds = models.FloatField("已观看秒数", default=0)
    last_position = models.FloatField("上次播放位置", default=0)
    last_heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}
    # Written on every heartbeat; Wagtail's reference index ("usage") has nothing to learn here.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "学习进度"
        verbose_name_plural = "学习进度"
        constraints = [models.UniqueConstraint(fields=["member", "lesson"], name="uniq_progress_member_lesson")]
        indexes = [models.Index(fields=["member", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.lesson_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def watched_percent(self) -> int:
        """Share of the lesson's video watched, 0–100 (for progress bars)."""
        duration = self.lesson.duration_seconds
        return min(100, round(100 * self.watched_seconds / duration)) if duration else 0


class StudyDay(models.Model):
    """Seconds credited to a member for a lesson on one local calendar day: what the quota
    rules sum per year (via courses.credit.seconds_to_study_hours)."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="study_days")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="study_days")
    day = models.DateField("日期")
    credited_seconds = models.FloatField("计入秒数", default=0)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "在线学习日记录"
        verbose_name_plural = "在线学习日记录"
        constraints = [models.UniqueConstraint(fields=["member", "lesson", "day"], name="uniq_studyday_member_lesson")]
        indexes = [models.Index(fields=["member", "day"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.day} · {self.credited_seconds}s"


class StudyClock(models.Model):
    """A member's one study clock across all lessons (rule: courses.watch.member_budget):
    `spent_until` is the instant up to which the member's wall-clock budget is spent. Every
    heartbeat locks this row first, so a member's heartbeats are applied one after another."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, primary_key=True, related_name="study_clock"
    )
    spent_until = models.DateTimeField("学习时钟")

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "学习时钟"
        verbose_name_plural = "学习时钟"

    def __str__(self) -> str:
        return f"{self.member_id} · {self.spent_until:%Y-%m-%d %H:%M:%S}"
