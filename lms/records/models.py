"""结业证书 (completion certificates) and the jobs that print 学习档案 (training archives).

The archive itself is not stored: it is read from the facts that already exist (credited
days, study days, quota evaluation, quiz passes, points) by lms.records.selectors. A
certificate is a record of its own — it is issued once, can be revoked, and its public
verification page must keep saying what was issued even if a class is renamed later, so
the member's name, the subject title and the school are copied onto it when it is issued."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="certificates", verbose_name="党员"
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="班次",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="课程",
    )
    school = models.ForeignKey(
        "schools.PartySchool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="发证党校",
    )
    code = models.CharField("验证码", max_length=24, unique=True)
    member_name = models.CharField("姓名", max_length=64)
    title = models.CharField("班次/课程", max_length=255)
    school_name = models.CharField("发证单位", max_length=120)
    issued_on = models.DateField("发证日期")
    issued_at = models.DateTimeField("发证时间", auto_now_add=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="撤销人",
    )
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member", "school": "school"}

    class Meta:
        verbose_name = "结业证书"
        verbose_name_plural = "结业证书"
        ordering = ["-issued_on", "-id"]
        constraints = [
            # Running the issuing job twice, or twice at the same time, issues once.
            models.UniqueConstraint(
                fields=["member", "training_class"],
                condition=Q(training_class__isnull=False),
                name="certificate_unique_class",
            ),
            models.UniqueConstraint(
                fields=["member", "course"], condition=Q(course__isnull=False), name="certificate_unique_course"
            ),
            models.CheckConstraint(
                name="certificate_one_subject",
                condition=Q(training_class__isnull=False, course__isnull=True)
                | Q(training_class__isnull=True, course__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["member", "issued_on"])]

    def __str__(self) -> str:
        return f"{self.member_name} · {self.title}"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def kind_label(self) -> str:
        return "班次" if self.training_class_id else "课程"


class ArchiveJob(models.Model):
    """One print of 学习档案 — a member's or a whole branch's — run by a Celery worker. The
    worker writes `done` after each member (no long transaction), so the status view can show
    progress from the row itself."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="archive_jobs", verbose_name="申请人"
    )
    branch = models.ForeignKey(
        "organizations.PartyOrganization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="支部",
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("人数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    file = models.CharField("文件", max_length=255, blank=True)
    message = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    # Jobs are read by the one who asked (lms.records.selectors.archive_jobs_visible_to).
    scope_paths = {"town": "branch__town", "org": "branch"}

    class Meta:
        verbose_name = "档案打印任务"
        verbose_name_plural = "档案打印任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"档案打印 #{self.pk}"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return max(0, min(99, int(100 * self.done / self.total)))

    @property
    def subject(self) -> str:
        return str(self.branch or self.member or "")
