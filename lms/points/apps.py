from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "lms.points"
    label = "points"
    verbose_name = "学习积分"

    def ready(self):
        from . import signals  # noqa: F401  connects the award receivers
