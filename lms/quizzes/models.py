"""Lesson and course quizzes (课程测验): a question bank per course, quizzes that draw from it,
members' attempts and their passes.

The server draws each attempt's questions (and the order of their options) when the attempt
starts and stores the draw, so a submission can only answer what was drawn. Which option is
correct lives only here and in a submitted attempt's result; nothing a member receives before
submitting carries it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from .forms import CourseScopedForm


class Quiz(models.Model):
    """A short quiz on a course (or one of its lessons). `required_for_completion` is the
    per-course flag: the course counts as complete only once a member has passed it."""

    title = models.CharField("测验名称", max_length=120)
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="quizzes", verbose_name="所属课程"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quizzes",
        verbose_name="所属微党课",
        help_text="不选表示整门课程的测验；选择后只从该讲的题目中抽题。",
    )
    intro = models.TextField("说明", blank=True)
    question_count = models.PositiveSmallIntegerField(
        "每次抽题数", default=5, help_text="每次答题从题库随机抽取的题目数；题库不足时全部出题。"
    )
    pass_percent = models.PositiveSmallIntegerField("及格线（%）", default=60)
    time_limit_minutes = models.PositiveSmallIntegerField(
        "答题时限（分钟）", null=True, blank=True, help_text="不填表示不限时。"
    )
    required_for_completion = models.BooleanField(
        "结课须通过", default=False, help_text="勾选后，党员须通过本测验，课程才算学完。"
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    base_form_class = CourseScopedForm
    panels = [
        FieldPanel("title"),
        FieldPanel("course", widget=forms.Select),
        FieldPanel("lesson", widget=forms.Select),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("question_count"),
                FieldPanel("pass_percent"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("required_for_completion"),
                FieldPanel("is_active"),
            ],
            heading="出题与及格",
        ),
    ]

    class Meta:
        verbose_name = "课程测验"
        verbose_name_plural = "课程测验"
        ordering = ["course_id", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        errors = {}
        if self.pass_percent is not None and not 1 <= self.pass_percent <= 100:
            errors["pass_percent"] = "及格线须在 1% 至 100% 之间。"
        if self.question_count is not None and not 1 <= self.question_count <= 100:
            errors["question_count"] = "每次抽题数须在 1 至 100 之间。"
        if self.time_limit_minutes is not None and not 1 <= self.time_limit_minutes <= 600:
            errors["time_limit_minutes"] = "答题时限须在 1 至 600 分钟之间。"
        if self.lesson_id and self.course_id and not self.lesson.path.startswith(self.course.path):
            errors["lesson"] = "所选微党课不属于该课程。"
        if errors:
            raise ValidationError(errors)


class Question(ClusterableModel):
    """One question in a course's bank (题库). Options are edited inline with it."""

    class Kind(models.TextChoices):
        SINGLE = "single", "单选题"
        MULTIPLE = "multiple", "多选题"
        TRUE_FALSE = "true_false", "判断题"

    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="quiz_questions", verbose_name="所属课程"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quiz_questions",
        verbose_name="对应微党课",
        help_text="可选：选择后该题也用于这一讲的测验。",
    )
    kind = models.CharField("题型", max_length=16, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField("题目")
    explanation = models.TextField("答案解析", blank=True, help_text="交卷后显示。")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    base_form_class = CourseScopedForm
    panels = [
        FieldPanel("course", widget=forms.Select),
        FieldPanel("lesson", widget=forms.Select),
        FieldPanel("kind"),
        FieldPanel("text"),
        InlinePanel("options", label="选项", heading="选项（勾选正确答案）", min_num=2),
        FieldPanel("explanation"),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = "测验题目"
        verbose_name_plural = "测验题库"
        ordering = ["course_id", "pk"]

    def __str__(self) -> str:
        text = " ".join(self.text.split())
        return text[:40] + ("…" if len(text) > 40 else "")


class Option(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField("选项内容", max_length=300)
    is_correct = models.BooleanField("正确答案", default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = "选项"
        verbose_name_plural = "选项"

    def __str__(self) -> str:
        return self.text


class Attempt(models.Model):
    """One member's attempt at a quiz. `draw` is what the server drew when the attempt started:
    ``[[question_id, [option_id, ...]], ...]`` in display order; a submission answers exactly
    these. `result` (set once, at submission) holds per question the chosen and the correct
    option ids — the only place a member ever sees which options are correct."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name="测验")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name="党员"
    )
    draw = models.JSONField("抽题", default=list)
    started_at = models.DateTimeField("开始时间")
    deadline_at = models.DateTimeField("截止时间", null=True, blank=True)
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    result = models.JSONField("判分结果", default=list, blank=True)
    score = models.PositiveSmallIntegerField("答对题数", default=0)
    total = models.PositiveSmallIntegerField("题目数", default=0)
    passed = models.BooleanField("通过", default=False)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "答题记录"
        verbose_name_plural = "答题记录"
        indexes = [models.Index(fields=["member", "quiz", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.quiz_id} · {self.member_id} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0


class QuizPass(models.Model):
    """A member's first pass of a quiz in a (local, Asia/Shanghai) year: one row, made in the
    transaction that grades the passing attempt. What the quota rule kind "quiz", points and
    certificates read (lms.quizzes.selectors)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="passes", verbose_name="测验")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="quiz_passes", verbose_name="党员"
    )
    year = models.PositiveSmallIntegerField("年度")
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="quiz_pass", verbose_name="答题")
    passed_at = models.DateTimeField("通过时间")

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "测验通过记录"
        verbose_name_plural = "测验通过记录"
        constraints = [models.UniqueConstraint(fields=["quiz", "member", "year"], name="uniq_quizpass_member_year")]
        indexes = [models.Index(fields=["quiz", "year"]), models.Index(fields=["member", "year"])]

    def __str__(self) -> str:
        return f"{self.quiz_id} · {self.member_id} · {self.year}"
