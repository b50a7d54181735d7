from django.apps import AppConfig


class PwaConfig(AppConfig):
    name = "lms.pwa"
    label = "pwa"
    verbose_name = "安装到手机（PWA）"
