from django.conf import settings
from django.db import models

from .storage import import_storage


class ImportJob(models.Model):
    """One upload of a roster sheet, from preview to result: who, when, which file, what
    the validation found and what the apply changed. Kept for review; never deleted by code."""

    class Kind(models.TextChoices):
        MEMBERS = "members", "党员"
        ORGANIZATIONS = "organizations", "党组织"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        VALIDATING = "validating", "校验中"
        VALIDATED = "validated", "待确认"
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("导入内容", max_length=16, choices=Kind.choices, default=Kind.MEMBERS)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.UPLOADED)
    file = models.FileField("文件", upload_to="uploads/%Y/%m/", storage=import_storage, max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_imports", verbose_name="导入人"
    )
    # The importer's anchor, so that the history is reviewed by those above them.
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="导入人所属党组织",
    )
    town = models.ForeignKey(
        "schools.PartySchool",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="导入人所属镇街",
    )
    effective_date = models.DateField(
        "变动生效日期",
        null=True,
        blank=True,
        help_text="文件中党员的类别或支部变动自哪天起生效（未填“变动日期”列的行）；不填为导入当天",
    )
    skip_invalid = models.BooleanField(
        "只导入无误的行", default=False, help_text="确认时选择：有错误的行跳过，并可下载错误报告"
    )
    skipped_summary = models.JSONField("跳过的合计行", default=list, blank=True, help_text="合计、小计等汇总行的行号")
    history_count = models.PositiveIntegerField("记录的类别/支部变动", default=0)
    mapping = models.JSONField("列映射", default=dict, blank=True, help_text="表头 → 字段；空字符串表示忽略该列")
    headers = models.JSONField("表头", default=list, blank=True)
    unknown_headers = models.JSONField("未识别的表头", default=list, blank=True)
    file_errors = models.JSONField("文件级错误", default=list, blank=True)
    errors = models.JSONField("错误示例", default=list, blank=True, help_text="前若干条逐行错误")
    error_report = models.FileField("错误报告", storage=import_storage, max_length=255, blank=True)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    error_rows = models.PositiveIntegerField("有错误的行数", default=0)
    error_count = models.PositiveIntegerField("错误条数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变化", default=0)
    users_created = models.PositiveIntegerField("新建账号", default=0)
    missing_count = models.PositiveIntegerField("文件中缺少的在册党员", default=0)
    missing = models.JSONField("缺少的党员示例", default=list, blank=True)
    message = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True, db_index=True)
    validated_at = models.DateTimeField("校验时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    scope_paths = {"org": "organization", "town": "town"}

    class Meta:
        verbose_name = "花名册导入"
        verbose_name_plural = "花名册导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 #{self.pk} {self.original_name}"

    @property
    def is_busy(self) -> bool:
        return self.status in {self.Status.UPLOADED, self.Status.VALIDATING, self.Status.QUEUED, self.Status.RUNNING}

    @property
    def can_confirm_valid(self) -> bool:
        """The valid rows may be imported on their own (the rest go to the error report)."""
        return (
            self.status == self.Status.VALIDATED
            and not self.file_errors
            and self.error_count > 0
            and self.total_rows > self.error_rows
        )

    @property
    def valid_rows(self) -> int:
        return max(0, self.total_rows - self.error_rows)

    @property
    def can_confirm(self) -> bool:
        return (
            self.status == self.Status.VALIDATED
            and not self.file_errors
            and self.error_count == 0
            and self.total_rows > 0
        )
