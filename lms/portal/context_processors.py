from lms.accounts.scope import scope_for


def roles(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {"scope": scope, "user_roles": scope.roles}
