from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "lms.schools"
    label = "schools"
