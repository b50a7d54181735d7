from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel

from courses.modules import Module


class Teacher(ClusterableModel):
    """A teacher in the pool (师资库). Contact details are for staff only."""

    class Kind(models.TextChoices):
        LEADER = "leader", "领导干部"
        EXPERT = "expert", "专家教授"
        ROLE_MODEL = "role_model", "身边榜样"

    name = models.CharField("姓名", max_length=64)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    unit = models.CharField("工作单位", max_length=120, blank=True)
    title = models.CharField("职务/职称", max_length=120, blank=True)
    school = models.ForeignKey(
        "schools.PartySchool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teachers",
        verbose_name="所属党校",
        help_text="不选表示不隶属于某一党校（如组织部、高校推荐的讲师）。",
    )
    biography = models.TextField("个人简介", blank=True)
    photo = models.ImageField("照片", upload_to="teachers/photos/", blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teacher",
        verbose_name="登录账号",
    )
    is_active = models.BooleanField("在库", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # The pool is county-wide: every staff user may read it; members see teachers on pages, not here.
    scope_paths = {"all_staff": True, "teacher": ""}

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("unit"), FieldPanel("title")]),
        FieldPanel("school"),
        InlinePanel("specialties", label="讲授专长"),
        MultiFieldPanel([FieldPanel("biography"), FieldPanel("photo")], heading="对学员公开"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]), FieldPanel("user"), FieldPanel("is_active")],
            heading="仅工作人员可见",
        ),
    ]

    class Meta:
        verbose_name = "讲师"
        verbose_name_plural = "讲师"
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "is_active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def specialty_labels(self) -> list[str]:
        """Uses the prefetched specialties when the selector loaded them."""
        return [str(s) for s in self.specialties.all()]


class TeacherSpecialty(models.Model):
    """What a teacher can teach: a course module (通识/专业/专题) and a topic within it."""

    teacher = ParentalKey(Teacher, on_delete=models.CASCADE, related_name="specialties", verbose_name="讲师")
    module = models.CharField("课程模块", max_length=16, choices=Module.choices)
    topic = models.CharField("专题方向", max_length=60)

    panels = [FieldRowPanel([FieldPanel("module"), FieldPanel("topic")])]

    scope_paths = {"all_staff": True, "teacher": "teacher"}

    class Meta:
        verbose_name = "讲授专长"
        verbose_name_plural = "讲授专长"
        ordering = ["module", "topic"]
        constraints = [models.UniqueConstraint(fields=["teacher", "module", "topic"], name="teacher_specialty_unique")]
        indexes = [models.Index(fields=["module", "topic"])]

    def __str__(self) -> str:
        return f"{self.get_module_display()}·{self.topic}"


class RosterYear(models.Model):
    """The pool for one year (年度师资名录). Opening next year copies the roster forward."""

    year = models.PositiveIntegerField("年度", unique=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="沿用自"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    note = models.CharField("说明", max_length=200, blank=True)

    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "年度师资名录"
        verbose_name_plural = "年度师资名录"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度师资名录"


class RosterEntry(models.Model):
    """A teacher's membership of one year's roster. Removal closes the entry instead of
    deleting it, so each teacher's history (who added, who removed, why) stays readable."""

    roster = models.ForeignKey(RosterYear, on_delete=models.CASCADE, related_name="entries", verbose_name="年度名录")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="roster_entries", verbose_name="讲师")
    reason = models.CharField("入库原因", max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    added_at = models.DateTimeField("入库时间", auto_now_add=True)
    removed_at = models.DateTimeField("调出时间", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="调出操作人",
    )
    removal_reason = models.CharField("调出原因", max_length=200, blank=True)

    scope_paths = {"all_staff": True, "teacher": "teacher"}

    class Meta:
        verbose_name = "名录条目"
        verbose_name_plural = "名录条目"
        ordering = ["roster__year", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["roster", "teacher"],
                condition=models.Q(removed_at__isnull=True),
                name="roster_entry_one_active",
            )
        ]
        indexes = [models.Index(fields=["teacher", "roster"])]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.roster.year}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class EvaluationDimension(models.Model):
    """One question of the trainee questionnaire, scored 1–5. Deactivate rather than delete
    so past evaluations keep their meaning."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("评价维度", max_length=40)
    description = models.CharField("说明", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    # Everyone who may evaluate needs the questions; editing is a department permission.
    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "评价维度"
        verbose_name_plural = "评价维度"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    """A trainee's questionnaire about the teacher of one session. One per member and session:
    resubmitting edits it. `teacher` is copied from the session so yearly aggregates group
    without joining through sessions; `mean_score` is the mean of its scores."""

    session = models.ForeignKey(
        "training.ClassSession", on_delete=models.CASCADE, related_name="evaluations", verbose_name="课次"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="evaluations", verbose_name="党员"
    )
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="evaluations", verbose_name="讲师")
    comment = models.TextField("意见建议", blank=True, max_length=1000)
    mean_score = models.DecimalField("平均分", max_digits=4, decimal_places=2)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    # Raw answers name the member: only the member (and superusers) read them; everyone
    # else sees anonymous aggregates through teachers.selectors.
    scope_paths = {"member": "member"}

    class Meta:
        verbose_name = "学员评价"
        verbose_name_plural = "学员评价"
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["member", "session"], name="evaluation_one_per_member")]
        indexes = [models.Index(fields=["teacher", "session"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.teacher}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores", verbose_name="评价")
    dimension = models.ForeignKey(
        EvaluationDimension, on_delete=models.PROTECT, related_name="scores", verbose_name="评价维度"
    )
    score = models.PositiveSmallIntegerField("得分", validators=[MinValueValidator(1), MaxValueValidator(5)])

    scope_paths = {"member": "evaluation__member"}

    class Meta:
        verbose_name = "评价得分"
        verbose_name_plural = "评价得分"
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "dimension"], name="evaluation_score_unique"),
            models.CheckConstraint(name="evaluation_score_range", condition=models.Q(score__gte=1, score__lte=5)),
        ]


class AssessmentPolicy(models.Model):
    """Thresholds of the annual assessment for one year (as data, so the department can change
    them); years without a row use the defaults from settings (teachers.conf)."""

    year = models.PositiveIntegerField("年度", unique=True)
    score_threshold = models.DecimalField(
        "综合得分预警线", max_digits=3, decimal_places=2, help_text="低于此分的讲师列为调整候选"
    )
    min_sessions = models.PositiveSmallIntegerField("最少授课次数", help_text="全年授课少于此数的讲师列为调整候选")
    min_responses = models.PositiveSmallIntegerField(
        "计分最少评价数", default=3, help_text="评价数少于此数时综合得分不参与预警和排名"
    )

    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "年度考核标准"
        verbose_name_plural = "年度考核标准"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度考核标准"
