from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "lms.portal"
    label = "portal"

    def ready(self):
        from . import sites  # noqa: F401  (connects the handlers that forget cached sites)
