from django.db.models import Q, QuerySet

from lms.accounts.scope import restrict

from .models import ImportJob


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """The user's own jobs, plus those reviewed from above: jobs anchored in a town the user
    reads, or in the user's organization subtree. (The two anchors are checked separately:
    a department reads the towns of its subtree, so it reviews those towns' school staff.)"""
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    base = ImportJob.objects.all()
    by_town = restrict(base, user, town="town").values("pk")
    by_org = restrict(base, user, org="organization").values("pk")
    return (
        ImportJob.objects.filter(Q(pk__in=by_town) | Q(pk__in=by_org) | Q(created_by=user))
        .select_related("created_by", "organization", "town")
        .order_by("-created_at", "-id")
    )
