import mimetypes

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    label = "lms_media"
    verbose_name = "视频"

    def ready(self) -> None:
        from . import signals  # noqa: F401

        # Django's static/media views guess Content-Type from these; HLS players insist on them.
        mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
        mimetypes.add_type("video/mp2t", ".ts")
        mimetypes.add_type("video/iso.segment", ".m4s")
        mimetypes.add_type("video/mp4", ".mp4")
