"""Who may watch lessons: members, and staff or superusers previewing what they publish."""

from lms.accounts.scope import scope_for


def may_watch(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    return scope.member_id is not None or scope.is_staff_scope
