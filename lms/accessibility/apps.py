from django.apps import AppConfig


class AccessibilityConfig(AppConfig):
    name = "lms.accessibility"
    label = "accessibility"
    verbose_name = "适老化与无障碍"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .services import elder_mode_on_login

        user_logged_in.connect(elder_mode_on_login, dispatch_uid="accessibility-elder-mode-on-login")
