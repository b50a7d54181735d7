from django.apps import AppConfig


class QuotasConfig(AppConfig):
    name = "lms.quotas"
    label = "quotas"
