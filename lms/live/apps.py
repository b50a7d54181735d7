from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "lms.live"
    label = "live"
    verbose_name = "直播课堂"
