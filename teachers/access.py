"""Who may see what of the teacher pool, on top of lms.accounts.scope. Kept here so the
HTML views, the API and the panels ask the same questions."""

from __future__ import annotations

from django.db.models import QuerySet

from lms.accounts import policy
from lms.accounts.scope import scope_for, scoped

from .models import Teacher


def sees_contact(user) -> bool:
    """Phone and e-mail are for staff (and the teacher themself, see `is_self`)."""
    return policy.is_staff(user)


def is_self(user, teacher: Teacher) -> bool:
    return policy.teacher_id_for(user) == teacher.pk


def manages_pool(user) -> bool:
    return policy.may_manage_pool(user)


def sees_teacher_private(user, teacher: Teacher) -> bool:
    """Feedback, schedule and roster history: the teacher themself or the department."""
    return is_self(user, teacher) or manages_pool(user)


def teachers_visible_to(user) -> QuerySet[Teacher]:
    """Staff read the whole pool (scoped); members and teachers see the public profiles of
    teachers in the pool (biography and photo, never contact details)."""
    scope = scope_for(user)
    if scope.is_staff_scope:
        return scoped(Teacher.objects.all(), user)
    if scope.member_id or scope.teacher_id:
        return Teacher.objects.filter(is_active=True) | Teacher.objects.filter(pk=scope.teacher_id or 0)
    return Teacher.objects.none()
