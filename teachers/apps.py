from django.apps import AppConfig


class TeachersConfig(AppConfig):
    name = "teachers"
    label = "teachers"
