from lms.accessibility.services import elder_mode_for
from lms.accounts.scope import scope_for


def roles(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {"scope": scope, "user_roles": scope.roles}


def display(request):
    """适老化 mode (large text, large targets, high contrast, simplified home) for base.html."""
    return {"elder_mode": elder_mode_for(request)}
