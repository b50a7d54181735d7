"""Who may find what: the one visibility rule for search results.

Members and teachers (讲师) find lessons and courses. Staff of any school or department, and
superusers, also find the teacher pool (师资库) — teacher records are staff-facing. An
account without any role finds nothing. Only what every member may see is indexed at all
(search/sources.py)."""

from lms.accounts import policy
from lms.accounts.scope import scope_for

from .models import SearchKind

MEMBER_KINDS = [SearchKind.LESSON.value, SearchKind.COURSE.value]
STAFF_KINDS = MEMBER_KINDS + [SearchKind.TEACHER.value]


def visible_kinds(user) -> list[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    scope = scope_for(user)
    if policy.is_staff(user):
        return list(STAFF_KINDS)
    if scope.member_id is not None or scope.teacher_id is not None:
        return list(MEMBER_KINDS)
    return []
