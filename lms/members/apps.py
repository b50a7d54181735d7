from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "lms.members"
    label = "members"
