from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


class PartySchool(models.Model):
    """A city/county party school or a town (street) branch school. A town school's
    territory is what branches, members and teaching points hang from."""

    class Tier(models.TextChoices):
        CITY = "city", "市(县)委党校"
        TOWN = "town", "镇街党校"

    name = models.CharField("名称", max_length=100, unique=True)
    tier = models.CharField("层级", max_length=8, choices=Tier.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级党校"
    )
    region = models.CharField("所在地区", max_length=100, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    # "六有": organization, venue, teachers, annual plan, rules, funding.
    has_organization = models.BooleanField("有组织", default=True)
    has_venue = models.BooleanField("有场地", default=True)
    has_teachers = models.BooleanField("有师资", default=True)
    has_plan = models.BooleanField("有计划", default=True)
    has_rules = models.BooleanField("有制度", default=True)
    has_funding = models.BooleanField("有经费", default=True)

    # Anchors for lms.accounts.scope: a school is seen by its own staff, those above and its department.
    scope_paths = {"school": ""}

    class Meta:
        verbose_name = "党校"
        verbose_name_plural = "党校"
        ordering = ["tier", "name"]
        constraints = [
            models.CheckConstraint(
                name="town_school_has_parent",
                condition=models.Q(tier="city") | models.Q(parent__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_town(self) -> bool:
        return self.tier == self.Tier.TOWN


class TeachingPoint(ClusterableModel):
    """基层教学点: a grassroots site where a class holds at least one session (the "1" of 5+1+N).

    It is also a hall of the 网上展厅 (online exhibition, lms/schools/views.py): photos, an
    introduction, a video tour through the media pipeline, how to book it."""

    class Category(models.TextChoices):
        PARTY_SPIRIT = "party_spirit", "党性教育"
        MODEL_VILLAGE = "model_village", "特色村"
        INDUSTRY = "industry", "产业基地"
        PRACTICAL = "practical", "实践技能"
        WARNING = "warning", "警示教育"

    name = models.CharField("名称", max_length=100)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    school = models.ForeignKey(
        PartySchool,
        on_delete=models.PROTECT,
        related_name="teaching_points",
        limit_choices_to={"tier": PartySchool.Tier.TOWN},
        verbose_name="所属镇街党校",
    )
    run_by = models.CharField("主办单位", max_length=100, blank=True, help_text="部门或企业举办时填写")
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("可容纳人数", default=50)
    description = models.TextField("简介", blank=True)
    is_active = models.BooleanField("启用", default=True)
    # 网上展厅
    highlights = models.TextField("看点", blank=True, help_text="每行一条，如：革命文物展陈、入党誓词墙")
    tour_video = models.ForeignKey(
        "lms_media.Video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teaching_point_tours",
        verbose_name="视频导览",
        help_text="在“视频”中上传，转码完成后即可在网上展厅播放",
    )
    open_hours = models.CharField("开放时间", max_length=100, blank=True)
    contact_name = models.CharField("预约联系人", max_length=50, blank=True)
    contact_phone = models.CharField("预约电话", max_length=32, blank=True)
    booking_notes = models.TextField("预约说明", blank=True)

    scope_paths = {"school": "school", "town": "school"}

    class Meta:
        verbose_name = "基层教学点"
        verbose_name_plural = "基层教学点"
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="teaching_point_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def highlight_list(self) -> list[str]:
        return [line.strip() for line in self.highlights.splitlines() if line.strip()]


class TeachingPointPhoto(Orderable):
    """A photo of a teaching point in the 网上展厅 (a Wagtail image; editors pick or upload it)."""

    teaching_point = ParentalKey(TeachingPoint, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name="照片")
    caption = models.CharField("说明", max_length=120, blank=True)

    scope_paths = {"school": "teaching_point__school", "town": "teaching_point__school"}

    class Meta(Orderable.Meta):
        verbose_name = "教学点照片"
        verbose_name_plural = "教学点照片"

    def __str__(self) -> str:
        return self.caption or f"{self.teaching_point.name}照片"


class Room(models.Model):
    """教室/场地: a room of a party school (报告厅, 多功能教室…). Sessions book rooms like they
    book teachers, so two classes cannot be put into the same room at the same time."""

    name = models.CharField("名称", max_length=100)
    school = models.ForeignKey(PartySchool, on_delete=models.PROTECT, related_name="rooms", verbose_name="所属党校")
    capacity = models.PositiveIntegerField("可容纳人数", default=60)
    address = models.CharField("位置", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    scope_paths = {"school": "school", "town": "school"}

    class Meta:
        verbose_name = "教室"
        verbose_name_plural = "教室"
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return f"{self.school.name}·{self.name}"
