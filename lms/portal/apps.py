from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "lms.portal"
    label = "portal"
