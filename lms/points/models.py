"""Study points (学习积分): the year's rules as data (PointRule) and an append-only ledger
(PointEntry) with the reason for every entry. Each entry carries a unique `event_key` naming
the fact it rewards (a completed lesson, a credited class day, a passed quiz, an approved
reflection, a day of online study), so the same fact can never be rewarded twice. Points
are a record of effort only: no quota rule reads them."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class PointKind(models.TextChoices):
    LESSON_COMPLETED = "lesson_completed", "完成微党课"
    CREDITED_DAY = "credited_day", "参加集中培训（每认定一天）"
    QUIZ_PASSED = "quiz_passed", "通过测验"
    REFLECTION_APPROVED = "reflection_approved", "学习心得通过审核"
    STUDY_DAY = "study_day", "每日在线学习（连续学习递增）"


class PointRule(models.Model):
    """How many points one kind of fact earns in a year, and at most how many points that kind
    earns on one day (daily_cap, blank = no cap). For study_day a day counts when the member
    studied online at least `min_minutes`; the n-th consecutive such day earns n × points,
    never more than the daily cap."""

    year = models.PositiveIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    kind = models.CharField("积分项目", max_length=32, choices=PointKind.choices)
    points = models.PositiveSmallIntegerField("每次积分", validators=[MinValueValidator(1), MaxValueValidator(100)])
    daily_cap = models.PositiveSmallIntegerField(
        "每日上限",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="该项目每人每天最多获得的积分；留空表示不设上限",
    )
    min_minutes = models.PositiveSmallIntegerField(
        "每日最少学习分钟",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="仅用于“每日在线学习”：当天在线学习达到该分钟数才计分",
    )
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        ordering = ["-year", "kind"]
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="point_rule_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} {self.points}分"

    def clean(self):
        if self.daily_cap is not None and self.points and self.daily_cap < self.points:
            raise ValidationError({"daily_cap": "每日上限不能小于每次积分。"})


class PointEntry(models.Model):
    """One line of a member's points ledger. Never updated or deleted (a correction would be
    a new entry); `event_key` is unique across the ledger."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="point_entries", verbose_name="党员"
    )
    year = models.PositiveIntegerField("年度")
    day = models.DateField("日期")
    kind = models.CharField("积分项目", max_length=32, choices=PointKind.choices)
    points = models.IntegerField("积分")
    reason = models.CharField("事由", max_length=200)
    event_key = models.CharField("事件键", max_length=120, unique=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["member", "year", "kind", "day"]),
            models.Index(fields=["year", "member"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.reason} {self.points:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("积分记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("积分记录只能追加，不能删除。")
