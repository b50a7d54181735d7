from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_save


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from .roles import roles_sync_groups

        post_migrate.connect(roles_sync_groups, dispatch_uid="lms_roles_sync_groups")

        from .pages import connect_signals

        connect_signals()
        from wagtail.models import Site

        pre_save.connect(_site_named, sender=Site, dispatch_uid="lms_site_named")


def _site_named(sender, instance, raw=False, **kwargs):
    """A site without a name would show its host name ("localhost") in the admin."""
    if not raw and not instance.site_name:
        instance.site_name = "党校在线"
