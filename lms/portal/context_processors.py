from lms.accounts.scope import scope_for


def roles(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"scope": scope, "user_roles": scope.roles, "unread_notifications": unread}
