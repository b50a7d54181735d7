from django.db.models import QuerySet

from lms.accounts.scope import scoped

from .models import Member


def members_visible_to(user) -> QuerySet[Member]:
    """Members the user may see: own record, their town(s), or their organization subtree."""
    qs = Member.objects.select_related("branch", "branch__town")
    return scoped(qs, user)
