"""A realistic small world for the API fuzzing and permission-matrix tests: the demo data set
(every app's `demo.seed`, so new apps' data appear automatically) plus one user per role,
anchored in 伦镇, with the markers that must never reach a 伦镇-scoped user."""

from __future__ import annotations

import base64
import contextlib
import os
from dataclasses import dataclass, field
from unittest import mock

from django.core.management import call_command

from lms.accounts.models import User
from lms.accounts.services import staff_assign
from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.schools.models import PartySchool

PASSWORD = "World@2026"
HOME_TOWN = "伦镇"
# Steps left out of the world (comma-separated module names), e.g. to skip video transcoding.
SKIP = [s for s in os.environ.get("OPS_WORLD_SKIP", "").split(",") if s]


@dataclass
class World:
    users: dict[str, User]
    town: PartySchool
    foreign_markers: list[str] = field(default_factory=list)  # other towns' member numbers and branches
    # Roles confined to HOME_TOWN whose responses must carry no foreign marker (a town
    # committee's organization department included).
    scoped_roles: tuple[str, ...] = ("member", "town_staff", "department_town")

    def basic_auth(self, role: str) -> dict[str, str]:
        token = base64.b64encode(f"{self.users[role].username}:{PASSWORD}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


def _user(username: str, **extra) -> User:
    user = User.objects.create(username=username, display_name=username, **extra)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def build_world(members: int = 150) -> World:
    """The demo data set with one transcoded demo clip instead of five (ffmpeg time dominates
    the seed; the catalog, lessons and study history are built all the same)."""
    from tests.factories.foundation import migration_rows_ensure

    migration_rows_ensure()  # rows an earlier transactional test's flush removed (tests/conftest.py)
    patches = []
    try:
        import courses.demo as courses_demo

        if hasattr(courses_demo, "CLIPS"):
            patches.append(mock.patch.object(courses_demo, "CLIPS", list(courses_demo.CLIPS)[:1]))
    except ImportError:
        pass
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        call_command("seed_demo", members=members, skip=SKIP, stdout=open(os.devnull, "w"))
    town = PartySchool.objects.get(tier=PartySchool.Tier.TOWN, region=HOME_TOWN)
    users: dict[str, User] = {}
    member = Member.objects.filter(branch__town=town, user__isnull=True).order_by("id").first()
    users["member"] = _user("w_member")
    member.user = users["member"]
    member.save(update_fields=["user"])
    users["town_staff"] = _user("w_town_staff")
    staff_assign(user=users["town_staff"], role="school", school=town)
    users["city_staff"] = _user("w_city_staff")
    staff_assign(user=users["city_staff"], role="school", school=town.parent)
    committee = PartyOrganization.objects.filter(kind="committee", town=town).order_by("depth").first()
    users["department_town"] = _user("w_dept_town")
    staff_assign(user=users["department_town"], role="department", organization=committee)
    root = PartyOrganization.get_root_nodes().first()
    users["department"] = _user("w_dept")
    staff_assign(user=users["department"], role="department", organization=root)
    users["superuser"] = _user("w_root", is_superuser=True, is_staff=True)
    users["nobody"] = _user("w_nobody")
    teacher_user = User.objects.filter(username="jiangshi").first()
    if teacher_user is not None and hasattr(teacher_user, "teacher"):
        teacher_user.set_password(PASSWORD)
        teacher_user.save(update_fields=["password"])
        users["teacher"] = teacher_user
    return World(users=users, town=town, foreign_markers=foreign_markers(town))


def foreign_markers(town: PartySchool) -> list[str]:
    """Strings that identify people and organizations of other towns: member numbers and
    party-branch names. (Class titles and teaching points are not markers: a town's members
    legitimately attend city-school classes held at other towns' teaching points.)"""
    foreign = set(Member.objects.exclude(branch__town=town).order_by("id").values_list("member_no", flat=True)[:500])
    foreign |= set(
        PartyOrganization.objects.filter(town__isnull=False).exclude(town=town).values_list("name", flat=True)[:200]
    )
    home = set(PartyOrganization.objects.filter(town=town).values_list("name", flat=True))
    return sorted(m for m in foreign if m and len(m) >= 6 and not any(m in h for h in home))
