"""Live classes (直播课堂): a class session broadcast from a 大课堂 over nginx-rtmp to 分课堂,
village terminals and phones, then kept as an on-demand lesson.

The class model stays in lms.training: a `LiveBroadcast` is one-to-one with a ClassSession
and adds what only a live session has (stream key, publishing window, recording, the
on-demand lesson). 收看点 (`ViewingSite`) are registered once per school and take part in a
broadcast through `BroadcastSite`, which carries the site's own sign-in QR and the
operator's headcount. Presence of players (`LiveViewer`) feeds the department view; the
credited watch time itself lives where on-demand study time lives (courses StudyProgress /
StudyDay of the broadcast's lesson), so 学时 are counted once, by one rule."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ViewingSite(models.Model):
    """收看点: a town school's 分课堂, a grassroots teaching point or a branch activity room with
    a screen that receives live classes."""

    class Kind(models.TextChoices):
        TOWN_SCHOOL = "town_school", "镇街党校分课堂"
        TEACHING_POINT = "teaching_point", "基层教学点"
        BRANCH_ROOM = "branch_room", "支部活动室"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    school = models.ForeignKey(
        "schools.PartySchool", on_delete=models.PROTECT, related_name="viewing_sites", verbose_name="所属党校"
    )
    teaching_point = models.ForeignKey(
        "schools.TeachingPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="viewing_sites",
        verbose_name="基层教学点",
    )
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="viewing_sites",
        verbose_name="所在党组织",
        help_text="支部活动室所属的党支部",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("可容纳人数", default=50)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"school": "school", "town": "school"}

    class Meta:
        verbose_name = "收看点"
        verbose_name_plural = "收看点"
        ordering = ["school", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="viewing_site_unique_name")]

    def __str__(self) -> str:
        return self.name


class LiveBroadcast(models.Model):
    """直播: the live side of one class session."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "未开始"
        LIVE = "live", "直播中"
        ENDED = "ended", "已结束"
        CANCELLED = "cancelled", "已取消"

    class RecordingStatus(models.TextChoices):
        NONE = "none", "无录像"
        PROCESSING = "processing", "录像处理中"
        HANDED = "handed", "已转入点播"
        FAILED = "failed", "录像处理失败"

    session = models.OneToOneField(
        "training.ClassSession", on_delete=models.CASCADE, related_name="live", verbose_name="课次"
    )
    # Public name of the stream (HLS folder, recording file); never enough to publish.
    stream_name = models.CharField("流名称", max_length=40, unique=True)
    # The secret an encoder (OBS) sends with the stream name; only staff of the school see it.
    stream_key = models.CharField("推流密钥", max_length=64, unique=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    publish_opens_at = models.DateTimeField("可推流开始")
    publish_closes_at = models.DateTimeField("可推流截止")
    started_at = models.DateTimeField("开播时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    publisher_addr = models.CharField("推流地址", max_length=64, blank=True)
    lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_broadcasts",
        verbose_name="回放课程",
    )
    recording = models.ForeignKey(
        "lms_media.Video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_broadcasts",
        verbose_name="录像",
    )
    recording_status = models.CharField(
        "录像状态", max_length=16, choices=RecordingStatus.choices, default=RecordingStatus.NONE
    )
    recording_error = models.CharField("录像问题", max_length=300, blank=True)
    sites = models.ManyToManyField(ViewingSite, through="BroadcastSite", related_name="broadcasts", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"school": "session__training_class__school", "town": "session__training_class__school"}

    class Meta:
        verbose_name = "直播"
        verbose_name_plural = "直播"
        ordering = ["-publish_opens_at"]
        indexes = [models.Index(fields=["status", "publish_opens_at"])]

    def __str__(self) -> str:
        return f"直播：{self.session.training_class} · {self.session.display_title}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE


class BroadcastSite(models.Model):
    """A 收看点 taking part in one broadcast: its own sign-in QR, its operator's headcount and
    when a player there was last seen."""

    broadcast = models.ForeignKey(LiveBroadcast, on_delete=models.CASCADE, related_name="site_links")
    site = models.ForeignKey(ViewingSite, on_delete=models.PROTECT, related_name="broadcast_links")
    headcount = models.PositiveIntegerField("现场人数（无手机登记）", default=0)
    headcount_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    headcount_at = models.DateTimeField("登记时间", null=True, blank=True)

    scope_paths = {"school": "site__school", "town": "site__school"}

    class Meta:
        verbose_name = "参与收看点"
        verbose_name_plural = "参与收看点"
        constraints = [models.UniqueConstraint(fields=["broadcast", "site"], name="broadcast_site_unique")]

    def __str__(self) -> str:
        return f"{self.site} · {self.broadcast_id}"


class SiteSignIn(models.Model):
    """A member signed in at a 收看点 (the attendance itself is lms.training's Attendance)."""

    broadcast = models.ForeignKey(LiveBroadcast, on_delete=models.CASCADE, related_name="site_signins")
    broadcast_site = models.ForeignKey(BroadcastSite, on_delete=models.CASCADE, related_name="signins")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="live_signins")
    signed_at = models.DateTimeField("签到时间", auto_now_add=True)

    wagtail_reference_index_ignore = True
    scope_paths = {
        "school": "broadcast_site__site__school",
        "town": "member__branch__town",
        "org": "member__branch",
        "member": "member",
    }

    class Meta:
        verbose_name = "收看点签到"
        verbose_name_plural = "收看点签到"
        constraints = [models.UniqueConstraint(fields=["broadcast", "member"], name="site_signin_unique")]


class LiveViewer(models.Model):
    """One signed-in user's player on one broadcast: when it was last seen, at which 收看点 (a
    member who signed in there, or the site's terminal), and the seconds credited live."""

    broadcast = models.ForeignKey(LiveBroadcast, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="live_views"
    )
    broadcast_site = models.ForeignKey(
        BroadcastSite, null=True, blank=True, on_delete=models.SET_NULL, related_name="viewers"
    )
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    credited_seconds = models.FloatField("直播计入秒数", default=0)

    wagtail_reference_index_ignore = True
    scope_paths = {"school": "broadcast__session__training_class__school", "member": "member"}

    class Meta:
        verbose_name = "直播观看"
        verbose_name_plural = "直播观看"
        constraints = [models.UniqueConstraint(fields=["broadcast", "user"], name="live_viewer_unique")]
        indexes = [models.Index(fields=["broadcast", "last_seen_at"])]
