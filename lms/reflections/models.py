"""学习心得 (reflections): what a member writes after a class they attended or a course they
completed, one per member per class or course, reviewed by their branch secretary
(通过 / 退回 with a comment). Written only by lms.reflections.services."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Reflection(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回"

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="reflections", verbose_name="党员"
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reflections",
        verbose_name="班次",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reflections",
        verbose_name="课程",
    )
    year = models.PositiveIntegerField("年度", help_text="首次提交的年度，计入该年度的心得指标")
    title = models.CharField("标题", max_length=60)
    body = models.TextField("正文")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    review_comment = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核人",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}

    class Meta:
        verbose_name = "学习心得"
        verbose_name_plural = "学习心得"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="reflection_one_subject",
                condition=Q(training_class__isnull=False, course__isnull=True)
                | Q(training_class__isnull=True, course__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["member", "training_class"],
                condition=Q(training_class__isnull=False),
                name="reflection_unique_class",
            ),
            models.UniqueConstraint(
                fields=["member", "course"], condition=Q(course__isnull=False), name="reflection_unique_course"
            ),
        ]
        indexes = [models.Index(fields=["year", "status"]), models.Index(fields=["member", "year", "status"])]

    def __str__(self) -> str:
        return f"{self.member.name}：{self.title}"

    @property
    def subject_title(self) -> str:
        return self.training_class.title if self.training_class_id else self.course.title

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RETURNED)
