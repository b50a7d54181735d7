"""Annual quotas as data (QuotaYear + QuotaRule), the per-year status summary the dashboards
read, and stored warnings (预警). How a rule is evaluated lives in lms.quotas.rules only; the
member history that changes which rules apply (category periods, branch moves) is
lms.members' (models and services)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# The member history models live in lms.members (which writes them); still importable from here.
from lms.members.models import MemberBranchPeriod, MemberCategory, MemberCategoryPeriod  # noqa: F401


class RuleKind(models.TextChoices):
    TRAINING_DAYS = "training_days", "集中培训天数"
    ROTATION_CLASS = "rotation_class", "支部书记集中轮训"
    FIVE_YEAR_ROTATION = "five_year_rotation", "五年一轮训"
    STUDY_HOURS = "study_hours", "年度学习学时"
    QUIZ = "quiz", "通过测验"
    REFLECTION = "reflection", "学习心得"


class RuleStatus(models.TextChoices):
    MET = "met", "已达标"
    AT_RISK = "at_risk", "有未达标风险"
    NOT_MET = "not_met", "未达标"


class SchoolTier(models.TextChoices):
    TOWN = "town", "镇街党校及以上"
    CITY = "city", "市(县)委党校"


def default_at_risk_from(year: int) -> dt.date:
    return dt.date(year, 10, 1)


# A branch or town whose share of members meeting every rule is below this is warned about,
# until the department sets the year's own share (QuotaYear.coverage_warning_share).
DEFAULT_WARNING_SHARE = Decimal("0.60")


class QuotaYear(models.Model):
    """A year whose rules are open for evaluation, with the two thresholds staff tune:
    from which day an unmet rule becomes a warning, and the coverage share below which a
    branch or town is flagged."""

    year = models.PositiveIntegerField(
        "年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    at_risk_from = models.DateField("预警起始日期", help_text="该日期起，未达标的规则标记为“有未达标风险”")
    coverage_warning_share = models.DecimalField(
        "覆盖率预警线",
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_WARNING_SHARE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="支部或镇街年度达标率低于此比例时预警（0–1）",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "年度指标设置"
        verbose_name_plural = "年度指标设置"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度"

    def clean(self):
        if self.year and self.at_risk_from and self.at_risk_from.year != self.year:
            raise ValidationError({"at_risk_from": "预警起始日期必须在本年度内。"})


class QuotaRule(models.Model):
    """One quota for one member category and year. A member is held to the rules of every
    category they belong to (everyone is 'ordinary'); each kind is met only when all of
    the member's applicable rules of that kind are met. required=0 disables a rule."""

    year = models.PositiveIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    category = models.CharField("党员类别", max_length=32, choices=MemberCategory.choices)
    kind = models.CharField("指标类型", max_length=32, choices=RuleKind.choices)
    required = models.DecimalField(
        "要求数量",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="天数 / 期数 / 次数 / 学时",
    )
    min_school_tier = models.CharField(
        "最低党校层级", max_length=8, choices=SchoolTier.choices, default=SchoolTier.TOWN
    )
    window_years = models.PositiveSmallIntegerField(
        "轮训周期（年）", default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    quiz = models.ForeignKey(
        "quizzes.Quiz",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="指定测验",
        help_text="仅用于“通过测验”：须在本年度通过的测验；留空表示任意测验均可计入",
    )
    source = models.CharField("依据", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "年度指标规则"
        verbose_name_plural = "年度指标规则"
        ordering = ["-year", "kind", "category"]
        constraints = [models.UniqueConstraint(fields=["year", "category", "kind"], name="quota_rule_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_category_display()} {self.get_kind_display()} ≥{self.required:g}"

    @property
    def tiers(self) -> tuple[str, ...]:
        return ("town", "city") if self.min_school_tier == SchoolTier.TOWN else ("city",)

    @property
    def unit(self) -> str:
        return {
            RuleKind.TRAINING_DAYS: "天",
            RuleKind.ROTATION_CLASS: "期",
            RuleKind.FIVE_YEAR_ROTATION: "天",
            RuleKind.STUDY_HOURS: "学时",
            RuleKind.QUIZ: "次",
            RuleKind.REFLECTION: "篇",
        }[self.kind]

    def clean(self):
        if self.quiz_id and self.kind != RuleKind.QUIZ:
            raise ValidationError({"quiz": "只有“通过测验”指标可以指定测验。"})


class MemberYearStatus(models.Model):
    """Summary of lms.quotas.selectors.members_with_quota_status for one member and year,
    written in one INSERT … SELECT by quota_status_refresh so that county dashboards
    aggregate 100,000 rows instead of evaluating 100,000 members."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveIntegerField()
    branch = models.ForeignKey("organizations.PartyOrganization", on_delete=models.CASCADE, related_name="+")
    town = models.ForeignKey("schools.PartySchool", null=True, on_delete=models.CASCADE, related_name="+")
    # Column names match the annotations of lms.quotas.rules.annotate_actuals, so the rule
    # expressions (kind_status_expression) apply to this table unchanged.
    cat_village_committee = models.BooleanField(default=False)
    cat_branch_secretary = models.BooleanField(default=False)
    cat_mobile = models.BooleanField(default=False)
    days_this_year = models.IntegerField(default=0)
    rotation_classes_this_year = models.IntegerField(default=0)
    window_days_5y = models.IntegerField(default=0)
    inperson_hours = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    study_seconds = models.FloatField(default=0)
    study_hours_total = models.FloatField(default=0)
    last_trained_on = models.DateField(null=True)
    first_trained_on = models.DateField(null=True)  # first credited day inside the year
    status_training_days = models.CharField(max_length=8, blank=True)
    status_rotation_class = models.CharField(max_length=8, blank=True)
    status_five_year_rotation = models.CharField(max_length=8, blank=True)
    status_study_hours = models.CharField(max_length=8, blank=True)
    status_quiz = models.CharField(max_length=8, blank=True)
    status_reflection = models.CharField(max_length=8, blank=True)
    all_met = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    scope_paths = {"town": "town", "org": "branch", "member": "member"}

    class Meta:
        verbose_name = "党员年度达标汇总"
        verbose_name_plural = "党员年度达标汇总"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="member_year_status_unique")]
        indexes = [models.Index(fields=["year", "town", "branch"]), models.Index(fields=["year", "branch"])]


class Warning(models.Model):
    """A stored warning (预警); `key` makes recomputation idempotent. A warning that no
    longer holds gets resolved_at rather than being deleted, so history stays readable."""

    class Kind(models.TextChoices):
        MEMBER_AT_RISK = "member_at_risk", "党员临近年底未达标"
        BRANCH_LOW_COVERAGE = "branch_low_coverage", "支部达标率偏低"
        TOWN_LOW_COVERAGE = "town_low_coverage", "镇街达标率偏低"
        CLASS_TEMPLATE = "class_template", "班次不符合“5+1+N”"

    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    year = models.PositiveIntegerField("年度")
    key = models.CharField("去重键", max_length=120, unique=True)
    title = models.CharField("标题", max_length=200)
    detail = models.TextField("说明", blank=True)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    branch = models.ForeignKey(
        "organizations.PartyOrganization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="支部",
    )
    town = models.ForeignKey(
        "schools.PartySchool", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="镇街"
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="班次",
    )
    share = models.DecimalField("达标率", max_digits=5, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    resolved_at = models.DateTimeField("解除时间", null=True, blank=True)

    scope_paths = {"town": "town", "org": "branch", "member": "member", "school": "training_class__school"}

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["year", "kind", "resolved_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None


class QuotaRefresh(models.Model):
    """When the summary for a year was last rebuilt (shown on dashboards)."""

    year = models.PositiveIntegerField(unique=True)
    refreshed_at = models.DateTimeField()
    members = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
