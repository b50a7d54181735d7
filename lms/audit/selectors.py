from django.db.models import QuerySet

from lms.accounts.scope import scope_for, scoped

from .models import AuditEntry


def audit_entries_visible_to(user) -> QuerySet[AuditEntry]:
    """Superusers read every entry. Department staff (组织部, who oversee the schools) read the
    entries of the towns in their scope and the county-wide ones (teacher pool, course pages,
    accounts), which carry no town. Everyone else reads nothing."""
    qs = AuditEntry.objects.select_related("actor", "town")
    scope = scope_for(user)
    if scope.is_all:
        return qs
    if not scope.can_manage_pool:
        return qs.none()
    return scoped(qs, user) | qs.filter(town__isnull=True)
