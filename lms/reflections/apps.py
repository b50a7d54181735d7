from django.apps import AppConfig


class ReflectionsConfig(AppConfig):
    name = "lms.reflections"
    label = "reflections"
    verbose_name = "学习心得"
