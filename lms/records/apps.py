from django.apps import AppConfig


class RecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.records"
    label = "records"
    verbose_name = "学习档案与结业证书"

    def ready(self):
        from . import signals  # noqa: F401  issue course certificates when a quiz is passed
