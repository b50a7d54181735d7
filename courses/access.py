"""Who may watch lessons: the named policy decides (lms.accounts.policy.may_watch)."""

from lms.accounts import policy


def may_watch(user, lesson=None) -> bool:
    """Signed-in members, and staff or administrators previewing; a lesson that is not live only
    for those who may edit it."""
    return policy.may_watch(user, lesson)
