from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from .roles import roles_sync_groups

        post_migrate.connect(roles_sync_groups, dispatch_uid="lms_roles_sync_groups")

        from .pages import connect_signals

        connect_signals()
