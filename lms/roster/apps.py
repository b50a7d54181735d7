from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "lms.roster"
    label = "roster"
