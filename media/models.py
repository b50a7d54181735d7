"""Uploaded videos and their HLS renditions.

A video's processed output lives under ``videos/<id>/<run>/`` in the default storage, one
folder per processing run: a rerun writes a fresh folder and switches the rows to it in one
transaction, so a player never sees half of an old ladder mixed with half of a new one."""

from django.conf import settings
from django.db import models


class Video(models.Model):
    """视频: an uploaded original plus what the pipeline made of it (HLS ladder, MP4, poster)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        PROCESSING = "processing", "处理中"
        READY = "ready", "可播放"
        FAILED = "failed", "处理失败"

    class Kind(models.TextChoices):
        VIDEO = "video", "视频"
        AUDIO = "audio", "音频"  # an audio upload (m4a, mp3, wav): an audio lesson with a generated poster

    title = models.CharField("标题", max_length=200)
    original = models.FileField("原始文件", upload_to="videos/originals/", max_length=500)
    original_size = models.BigIntegerField("原始文件大小(字节)", default=0)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField("进度(%)", default=0)
    error = models.TextField("失败原因", blank=True)
    duration = models.FloatField("时长(秒)", null=True, blank=True)
    width = models.PositiveIntegerField("宽度", null=True, blank=True)
    height = models.PositiveIntegerField("高度", null=True, blank=True)
    poster = models.FileField("封面", max_length=500, blank=True)
    mp4 = models.FileField("MP4 备用文件", max_length=500, blank=True)
    master_playlist = models.FileField("HLS 主播放列表", max_length=500, blank=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.VIDEO, editable=False)
    # The audio-only rendition (AAC ~64 kbps) of the same ladder: "仅听声音" on weak networks.
    audio_playlist = models.FileField("仅音频播放列表", max_length=500, blank=True, editable=False)
    # Folder of the current output under videos/<id>/; a rerun writes a new one and swaps.
    output_dir = models.CharField("输出目录", max_length=300, blank=True, editable=False)
    attempts = models.PositiveIntegerField("处理次数", default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploaded_videos",
        verbose_name="上传人",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    processing_started_at = models.DateTimeField("开始处理时间", null=True, blank=True)
    processed_at = models.DateTimeField("处理完成时间", null=True, blank=True)

    # Videos are county-wide shared teaching content: every staff user may see them all.
    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "视频"
        verbose_name_plural = "视频"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def hls_url(self) -> str:
        return self.master_playlist.url if self.is_ready and self.master_playlist else ""

    @property
    def mp4_url(self) -> str:
        from .serving import seekable_url

        return seekable_url(self.mp4) if self.is_ready and self.mp4 else ""

    @property
    def audio_url(self) -> str:
        """The audio-only HLS playlist ("" when the source had no sound or is not ready)."""
        return self.audio_playlist.url if self.is_ready and self.audio_playlist else ""

    @property
    def has_audio_only(self) -> bool:
        return bool(self.audio_url)

    @property
    def is_audio(self) -> bool:
        return self.kind == self.Kind.AUDIO

    @property
    def poster_url(self) -> str:
        return self.poster.url if self.poster else ""

    @property
    def duration_display(self) -> str:
        if not self.duration:
            return ""
        total = int(round(self.duration))
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Rendition(models.Model):
    """One rung of a video's HLS ladder (a variant playlist and its segments); the audio-only
    rung has kind "audio" and no picture (width = height = 0)."""

    Kind = Video.Kind

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="renditions", verbose_name="视频")
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.VIDEO)
    height = models.PositiveIntegerField("高度")
    width = models.PositiveIntegerField("宽度")
    # Bits per second measured from the produced segments (peak and average), as HLS requires.
    bandwidth = models.PositiveIntegerField("峰值码率(bps)")
    average_bandwidth = models.PositiveIntegerField("平均码率(bps)", default=0)
    codecs = models.CharField("编码", max_length=100, blank=True)
    playlist = models.FileField("播放列表", max_length=500)

    scope_paths = {"all_staff": True}

    class Meta:
        verbose_name = "视频清晰度"
        verbose_name_plural = "视频清晰度"
        ordering = ["video", "height"]
        constraints = [models.UniqueConstraint(fields=["video", "height"], name="rendition_unique_video_height")]

    def __str__(self) -> str:
        return f"{self.video} 仅音频" if self.kind == self.Kind.AUDIO else f"{self.video} {self.height}p"

    @property
    def playlist_url(self) -> str:
        return self.playlist.url if self.playlist else ""
