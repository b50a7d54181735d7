from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "lms.ops"
    label = "ops"
    verbose_name = "运维"
