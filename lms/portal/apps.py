from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "lms.portal"
    label = "portal"

    def ready(self):
        from .ratelimit import connect_signals

        connect_signals()
