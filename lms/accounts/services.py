from django.contrib.auth.models import Group
from django.db import transaction

from .models import StaffAssignment, User
from .roles import ROLE_GROUPS


@transaction.atomic
def staff_assign(*, user: User, role: str, school=None, organization=None) -> StaffAssignment:
    """Make `user` staff of a school or an organization and give them the role's admin permissions."""
    assignment, _ = StaffAssignment.objects.get_or_create(
        user=user, role=role, school=school, organization=organization
    )
    assignment.full_clean()
    group = Group.objects.get(name=ROLE_GROUPS[role])
    user.groups.add(group)
    return assignment


def user_create(*, username: str, password: str, display_name: str = "", **extra) -> User:
    user = User(username=username, display_name=display_name, **extra)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
