from django.conf import settings
from django.db import models

from courses.modules import Module


class AnnualPlan(models.Model):
    """年度教学计划: a school's plan for one year. School staff draft and submit it; the
    organization department approves it or returns it with a comment."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审批"
        APPROVED = "approved", "已批准"
        RETURNED = "returned", "已退回"

    school = models.ForeignKey(
        "schools.PartySchool", on_delete=models.PROTECT, related_name="plans", verbose_name="党校"
    )
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("计划名称", max_length=120, blank=True)
    notes = models.TextField("说明", blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField("审批意见", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审批时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"school": "school", "town": "school"}

    class Meta:
        verbose_name = "年度教学计划"
        verbose_name_plural = "年度教学计划"
        ordering = ["-year", "school"]
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="annual_plan_unique")]
        indexes = [models.Index(fields=["status", "year"])]

    def __str__(self) -> str:
        return self.title or f"{self.school} {self.year}年度教学计划"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class PlannedClass(models.Model):
    """One class the annual plan promises: what, for whom, which quarter, how many trainees."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="planned_classes", verbose_name="计划")
    title = models.CharField("班次名称", max_length=120)
    module = models.CharField("课程模块", max_length=16, choices=Module.choices, default=Module.GENERAL)
    audiences = models.JSONField("培训对象", default=list, blank=True, help_text="党员类别列表")
    quarter = models.PositiveSmallIntegerField("季度", choices=[(q, f"第{q}季度") for q in range(1, 5)])
    target_trainees = models.PositiveIntegerField("计划培训人数", default=50)
    is_rotation = models.BooleanField("轮训班", default=False)

    scope_paths = {"school": "plan__school", "town": "plan__school"}

    class Meta:
        verbose_name = "计划班次"
        verbose_name_plural = "计划班次"
        ordering = ["plan", "quarter", "id"]
        constraints = [
            models.CheckConstraint(name="planned_class_quarter", condition=models.Q(quarter__gte=1, quarter__lte=4))
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.quarter}季度）"


class TrainingClass(models.Model):
    """班次: a centralized class run by a party school, checked against the 5+1+N template."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        CANCELLED = "cancelled", "已取消"

    title = models.CharField("班次名称", max_length=120)
    school = models.ForeignKey(
        "schools.PartySchool", on_delete=models.PROTECT, related_name="classes", verbose_name="主办党校"
    )
    module = models.CharField("课程模块", max_length=16, choices=Module.choices, default=Module.GENERAL)
    audiences = models.JSONField("培训对象", default=list, blank=True, help_text="党员类别列表")
    is_rotation = models.BooleanField("轮训班", default=False, help_text="支部书记集中轮训班")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    capacity = models.PositiveIntegerField("容量", default=60)
    place = models.CharField("地点", max_length=200, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Stored result of the 5+1+N check (see lms.training.template) so reports can count it.
    is_compliant = models.BooleanField("符合5+1+N", default=False)
    compliance_missing = models.JSONField("缺少项目", default=list, blank=True)
    planned_class = models.ForeignKey(
        PlannedClass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classes",
        verbose_name="对应计划班次",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    scope_paths = {"school": "school", "town": "school"}

    class Meta:
        verbose_name = "班次"
        verbose_name_plural = "班次"
        ordering = ["-start_date", "title"]
        indexes = [models.Index(fields=["school", "start_date"]), models.Index(fields=["status", "start_date"])]
        constraints = [
            models.CheckConstraint(name="class_dates_ordered", condition=models.Q(end_date__gte=models.F("start_date")))
        ]

    def __str__(self) -> str:
        return self.title


class ClassSession(models.Model):
    """One item of a class: a mandatory item, a teaching-point visit or an optional item."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "签到"
        ANTHEM = "anthem", "奏唱国歌或国际歌"
        OATH = "oath", "重温入党誓词"
        CONSTITUTION = "constitution", "集体学习党章"
        LEADER_LECTURE = "leader_lecture", "领导讲课"
        TEACHING_POINT = "teaching_point", "现场教学(基层教学点)"
        OPTIONAL = "optional", "自选动作"

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="sessions", verbose_name="班次"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    title = models.CharField("名称", max_length=120, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    teaching_point = models.ForeignKey(
        "schools.TeachingPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name="基层教学点",
    )
    venue = models.ForeignKey(
        "schools.Room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name="教室",
        help_text="本党校的教室或场地；同一时段不能被两个课次占用。",
    )
    room = models.CharField("其他地点", max_length=120, blank=True, help_text="不在本党校教室时填写（如外出场馆）")
    teacher = models.ForeignKey(
        "teachers.Teacher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name="讲师",
    )

    scope_paths = {"school": "training_class__school", "town": "training_class__school", "teacher": "teacher"}

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["teacher", "starts_at"]),
            models.Index(fields=["teaching_point", "starts_at"]),
            models.Index(fields=["venue", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(name="session_times_ordered", condition=models.Q(ends_at__gt=models.F("starts_at")))
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def display_title(self) -> str:
        if self.kind == self.Kind.OPTIONAL and self.title:
            return self.title
        return self.title or self.get_kind_display()

    @property
    def duration_seconds(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds())

    @property
    def place_display(self) -> str:
        if self.teaching_point_id:
            return self.teaching_point.name
        if self.venue_id:
            return self.venue.name
        return self.room or self.training_class.place


class Enrollment(models.Model):
    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="enrollments", verbose_name="班次"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="enrollments", verbose_name="党员"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # High-volume rows: keep them out of Wagtail's reference index (one less write per sign-in).
    wagtail_reference_index_ignore = True

    scope_paths = {
        "school": "training_class__school",
        "town": "member__branch__town",
        "org": "member__branch",
        "member": "member",
    }

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        constraints = [models.UniqueConstraint(fields=["training_class", "member"], name="enrollment_unique")]


class Attendance(models.Model):
    """Presence of a member at a session (one row per member and session, idempotent)."""

    class Source(models.TextChoices):
        QR = "qr", "扫码签到"
        CODE = "code", "签到码"
        ROLL_CALL = "roll_call", "人工点名"
        DAY = "day", "当日签到"
        IMPORT = "import", "导入"

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendances", verbose_name="课次")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="attendances", verbose_name="党员"
    )
    present = models.BooleanField("出席", default=True)
    source = models.CharField("方式", max_length=16, choices=Source.choices, default=Source.QR)
    signed_at = models.DateTimeField("签到时间", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="点名人",
        help_text="人工点名时的操作人；扫码签到为空",
    )

    # High-volume rows: keep them out of Wagtail's reference index (one less write per sign-in).
    wagtail_reference_index_ignore = True

    scope_paths = {
        "school": "session__training_class__school",
        "town": "member__branch__town",
        "org": "member__branch",
        "member": "member",
    }

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_unique")]
        indexes = [models.Index(fields=["member", "signed_at"])]


class CreditedDay(models.Model):
    """A training day credited to a member from attendance (see lms.training.credit for the rule).
    Quotas count these rows; the school tier is kept so 'at a town school or higher' is a filter."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="credited_days", verbose_name="党员"
    )
    day = models.DateField("日期")
    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="credited_days", verbose_name="班次"
    )
    school_tier = models.CharField("党校层级", max_length=8)
    is_rotation = models.BooleanField("轮训班", default=False)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=2, default=0)

    # High-volume rows: keep them out of Wagtail's reference index (one less write per sign-in).
    wagtail_reference_index_ignore = True

    scope_paths = {"town": "member__branch__town", "org": "member__branch", "member": "member"}

    class Meta:
        verbose_name = "认定培训日"
        verbose_name_plural = "认定培训日"
        constraints = [models.UniqueConstraint(fields=["member", "day", "training_class"], name="credited_day_unique")]
        indexes = [models.Index(fields=["member", "day"]), models.Index(fields=["day"])]
