from lms.accessibility.services import elder_mode_for
from lms.accounts.scope import scope_for


def roles(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)

    def may_open_admin() -> bool:
        """The 管理后台 link: Wagtail's access_admin permission, asked only of staff accounts
        (the roles that grant it, lms.accounts.roles) — a member's page reads no permission rows."""
        return scope.is_staff_scope and user.has_perm("wagtailadmin.access_admin")

    return {"scope": scope, "user_roles": scope.roles, "may_open_admin": may_open_admin}


def display(request):
    """适老化 mode (large text, large targets, high contrast, simplified home) for base.html."""
    return {"elder_mode": elder_mode_for(request)}
