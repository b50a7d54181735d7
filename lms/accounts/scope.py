"""The one place that decides what a user may see and change.

Everything in the domain hangs from one of three anchors:
- a **town** (a town branch school; branches, members and teaching points lie in one),
- an **organization** subtree (PartyOrganization materialized path),
- a **member** (a person's own records).

`scope_for(user)` resolves a user's roles into sets of anchors once per request;
`restrict(queryset, user, town=..., org=..., school=..., member=...)` filters any queryset
given the lookup paths from its model to those anchors. Admin listings, API querysets,
selectors and reports all go through `restrict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from lms.accounts.models import StaffAssignment
from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.schools.models import PartySchool
from teachers.models import Teacher


@dataclass(frozen=True)
class Scope:
    is_all: bool = False
    town_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()  # schools the user staffs, with those below them
    org_paths: tuple[str, ...] = ()  # organization subtrees (department staff)
    member_id: int | None = None
    teacher_id: int | None = None
    can_manage_schools: bool = False  # school staff: create classes, enrol, roll call
    can_manage_pool: bool = False  # department staff: teacher pool, quotas, approvals
    roles: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_staff_scope(self) -> bool:
        return self.is_all or bool(self.town_ids or self.school_ids or self.org_paths)


EMPTY = Scope()


def scope_for(user) -> Scope:
    """Resolve the user's roles into anchors (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY
    cached = getattr(user, "_lms_scope", None)
    if cached is not None:
        return cached
    scope = _build_scope(user)
    user._lms_scope = scope
    return scope


def _build_scope(user) -> Scope:
    roles: list[str] = []
    # The whole row, not just the id: kept in the user's one-to-one cache, so `user.member` and
    # `policy.member_for(user)` read no more rows in this request.
    member = Member.objects.filter(user=user).first()
    Member.user.field.remote_field.set_cached_value(user, member)
    member_id = member.pk if member is not None else None
    if member_id:
        roles.append("member")
    teacher_id = Teacher.objects.filter(user=user).values_list("id", flat=True).first()
    if teacher_id:
        roles.append("teacher")
    if user.is_superuser:
        roles.append("superuser")
        return Scope(
            is_all=True,
            member_id=member_id,
            teacher_id=teacher_id,
            can_manage_schools=True,
            can_manage_pool=True,
            roles=tuple(roles),
        )

    town_ids: set[int] = set()
    school_ids: set[int] = set()
    org_paths: list[str] = []
    assignments = list(StaffAssignment.objects.filter(user=user).select_related("school", "organization"))
    for a in assignments:
        if a.role == StaffAssignment.Role.SCHOOL and a.school_id:
            roles.append("school_staff")
            school_ids.add(a.school_id)
            if a.school.tier == PartySchool.Tier.TOWN:
                town_ids.add(a.school_id)
            else:
                children = set(PartySchool.objects.filter(parent_id=a.school_id).values_list("id", flat=True))
                town_ids |= children
                school_ids |= children
        elif a.role == StaffAssignment.Role.DEPARTMENT and a.organization_id:
            roles.append("department_staff")
            org_paths.append(a.organization.path)
    if org_paths:
        # A department reads the towns its branches lie in, and the schools serving them.
        subtree = reduce(or_, (Q(path__startswith=p) for p in org_paths))
        dept_towns = set(
            PartyOrganization.objects.filter(subtree, town__isnull=False).values_list("town_id", flat=True).distinct()
        )
        town_ids |= dept_towns
        school_ids |= dept_towns
        school_ids |= set(
            PartySchool.objects.filter(id__in=dept_towns, parent__isnull=False).values_list("parent_id", flat=True)
        )
    return Scope(
        town_ids=frozenset(town_ids),
        school_ids=frozenset(school_ids),
        org_paths=tuple(org_paths),
        member_id=member_id,
        teacher_id=teacher_id,
        can_manage_schools="school_staff" in roles,
        can_manage_pool="department_staff" in roles,
        roles=tuple(dict.fromkeys(roles)),
    )


def _path(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def restrict(
    queryset: QuerySet,
    user,
    *,
    town: str | None = None,
    org: str | None = None,
    school: str | None = None,
    member: str | None = None,
    teacher: str | None = None,
    all_staff: bool = False,
) -> QuerySet:
    """Filter `queryset` to what `user` may see. Each keyword is the lookup path from the
    queryset's model to an anchor (e.g. ``town="branch__town"``, ``org="branch"``,
    ``member="member"``; ``""`` is the model itself). A role whose anchor has no path sees
    nothing of this model; ``all_staff`` opens the whole model to every staff user."""
    scope = scope_for(user)
    if scope.is_all or (all_staff and scope.is_staff_scope):
        return queryset
    conditions: list[Q] = []
    if org is not None and scope.org_paths:
        conditions += [Q(**{_path(org, "path__startswith"): p}) for p in scope.org_paths]
    if town is not None and scope.town_ids:
        # A department whose model has an organization anchor is limited to its subtree,
        # not to whole towns; school staff read whole towns.
        if org is None or not scope.org_paths or scope.can_manage_schools:
            conditions.append(Q(**{_path(town, "in") if town else "pk__in": scope.town_ids}))
    if school is not None and scope.school_ids:
        # Same for a school anchor: a department reads a school's records about members only
        # within its own subtree (a town committee must not read the city school's enrolments
        # of other towns' members).
        if org is None or not scope.org_paths or scope.can_manage_schools:
            conditions.append(Q(**{_path(school, "in") if school else "pk__in": scope.school_ids}))
    if member is not None and scope.member_id:
        conditions.append(Q(**{member or "pk": scope.member_id}))
    if teacher is not None and scope.teacher_id:
        conditions.append(Q(**{teacher or "pk": scope.teacher_id}))
    if not conditions:
        return queryset.none()
    return queryset.filter(reduce(or_, conditions))


def can_see(user, obj, queryset: QuerySet, **paths: str) -> bool:
    """True if `obj` is inside `restrict(queryset, user, **paths)`."""
    return restrict(queryset, user, **paths).filter(pk=obj.pk).exists()


def scoped(queryset: QuerySet, user) -> QuerySet:
    """`restrict` with the anchors the model declares in its ``scope_paths`` attribute."""
    return restrict(queryset, user, **queryset.model.scope_paths)
