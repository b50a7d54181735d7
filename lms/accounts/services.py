from django.contrib.auth.models import Group
from django.db import transaction

from .models import StaffAssignment, User
from .pages import editors_join, editors_leave
from .roles import ROLE_GROUPS


@transaction.atomic
def staff_assign(*, user: User, role: str, school=None, organization=None) -> StaffAssignment:
    """Make `user` staff of a school or an organization: the role's admin permissions and, for
    school staff, the school's course-page rights (lms.accounts.pages)."""
    assignment, _ = StaffAssignment.objects.get_or_create(
        user=user, role=role, school=school, organization=organization
    )
    assignment.full_clean()
    group = Group.objects.get(name=ROLE_GROUPS[role])
    user.groups.add(group)
    if assignment.school_id:
        editors_join(user, assignment.school)
    user.__dict__.pop("_lms_scope", None)
    return assignment


@transaction.atomic
def staff_unassign(*, assignment: StaffAssignment) -> None:
    """End an assignment; the user keeps a role group or a school's course rights only while
    another assignment still gives them."""
    user, role, school = assignment.user, assignment.role, assignment.school
    assignment.delete()
    others = StaffAssignment.objects.filter(user=user)
    if not others.filter(role=role).exists():
        user.groups.remove(Group.objects.get(name=ROLE_GROUPS[role]))
    if school is not None and not others.filter(school=school).exists():
        editors_leave(user, school)
    user.__dict__.pop("_lms_scope", None)


def user_create(*, username: str, password: str, display_name: str = "", **extra) -> User:
    user = User(username=username, display_name=display_name, **extra)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
