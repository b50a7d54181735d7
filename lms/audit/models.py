from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who changed what, when: roll-call corrections, approvals, roster changes, imports."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    action = models.CharField("操作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象ID", max_length=64)
    summary = models.CharField("摘要", max_length=300, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    # The town the changed object lies in (if any), so a town's changes are read only by those
    # who may see the town; filled by audit_record from the object's scope_paths.
    town = models.ForeignKey(
        "schools.PartySchool",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="所属镇街",
    )

    scope_paths = {"town": "town"}

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.summary}"
