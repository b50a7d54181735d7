from django.conf import settings
from django.db import models


class MemberCategory(models.TextChoices):
    """Categories that drive quotas. Every member is ORDINARY; the others are added on top."""

    ORDINARY = "ordinary", "普通党员"
    VILLAGE_COMMITTEE = "village_committee", "村“两委”成员"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    MOBILE = "mobile", "流动党员"


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_category(self, category: str):
        field = Member.CATEGORY_FIELDS.get(category)
        return self if field is None else self.filter(**{field: True})


class Member(models.Model):
    """A party member (党员), belonging to one branch."""

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
        verbose_name="登录账号",
    )
    name = models.CharField("姓名", max_length=64)
    member_no = models.CharField("党员编号", max_length=32, unique=True)
    branch = models.ForeignKey(
        "organizations.PartyOrganization",
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": "branch"},
        verbose_name="所在支部",
    )
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    join_date = models.DateField("入党日期")
    is_village_committee = models.BooleanField("村“两委”成员", default=False)
    is_branch_secretary = models.BooleanField("支部书记", default=False)
    is_mobile = models.BooleanField("流动党员", default=False)
    is_active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    CATEGORY_FIELDS = {
        MemberCategory.VILLAGE_COMMITTEE: "is_village_committee",
        MemberCategory.BRANCH_SECRETARY: "is_branch_secretary",
        MemberCategory.MOBILE: "is_mobile",
    }

    objects = MemberQuerySet.as_manager()

    scope_paths = {"town": "branch__town", "org": "branch", "member": ""}

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["member_no"]
        indexes = [
            models.Index(fields=["branch", "is_active"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.member_no}）"

    @property
    def categories(self) -> list[str]:
        result = [MemberCategory.ORDINARY.value]
        result += [cat.value for cat, field in self.CATEGORY_FIELDS.items() if getattr(self, field)]
        return result

    @property
    def category_labels(self) -> list[str]:
        return [MemberCategory(c).label for c in self.categories]


class MemberCategoryPeriod(models.Model):
    """When a member held a quota category (village committee, branch secretary, mobile).
    If a member has periods for a category they decide; otherwise the flag on Member does.
    Written only by lms.members.services (member_category_set, member_upsert); read by the
    quota rules (lms.quotas.rules.category_held). The table keeps the name it had in quotas."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="category_periods", verbose_name="党员")
    category = models.CharField("类别", max_length=32, choices=MemberCategory.choices)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}

    class Meta:
        db_table = "quotas_membercategoryperiod"
        verbose_name = "党员类别变动"
        verbose_name_plural = "党员类别变动"
        ordering = ["member", "category", "start"]
        indexes = [models.Index(fields=["member", "category", "start"], name="quotas_memb_member__01ac83_idx")]

    def __str__(self) -> str:
        until = f"至{self.end}" if self.end else "至今"
        return f"{self.get_category_display()}：{self.start}{until}"


class MemberBranchPeriod(models.Model):
    """A member's branch history (转接组织关系). Quotas follow the person: days earned in
    the old branch still count; coverage reports count members where they are now.
    Written only by lms.members.services (member_branch_move, member_upsert)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="branch_periods", verbose_name="党员")
    branch = models.ForeignKey(
        "organizations.PartyOrganization", on_delete=models.PROTECT, related_name="+", verbose_name="支部"
    )
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True)

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}

    class Meta:
        db_table = "quotas_memberbranchperiod"
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["member", "start"]

    def __str__(self) -> str:
        until = f"至{self.end}" if self.end else "至今"
        return f"{self.branch}：{self.start}{until}"
