import datetime as dt
from dataclasses import dataclass

import factory

from lms.accounts.models import User
from lms.accounts.services import staff_assign
from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.organizations.services import organization_create
from lms.schools.models import PartySchool, TeachingPoint


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "Test@12345")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitySchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartySchool

    name = factory.Sequence(lambda n: f"中共测试{n}市委党校")
    tier = PartySchool.Tier.CITY


class TownSchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartySchool

    name = factory.Sequence(lambda n: f"测试{n}镇党校")
    region = factory.Sequence(lambda n: f"测试{n}镇")
    tier = PartySchool.Tier.TOWN
    parent = factory.SubFactory(CitySchoolFactory)


class TeachingPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingPoint

    name = factory.Sequence(lambda n: f"教学点{n}")
    category = TeachingPoint.Category.PARTY_SPIRIT
    school = factory.SubFactory(TownSchoolFactory)


def make_committee(name: str = "中共测试县委员会", parent: PartyOrganization | None = None, town=None):
    return organization_create(parent=parent, name=name, kind="committee", town=town)


def make_branch(parent: PartyOrganization, town: PartySchool, name: str | None = None, sector: str = "village"):
    return organization_create(
        parent=parent,
        name=name or f"{town.region}测试党支部{PartyOrganization.objects.count()}",
        kind="branch",
        sector=sector,
        town=town,
    )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    member_no = factory.Sequence(lambda n: f"T{n:07d}")
    join_date = dt.date(2010, 7, 1)
    branch = None  # pass a branch (see OrganizationTree)


class StaffUserFactory(UserFactory):
    """A user with a staff assignment: pass role='school', school=... or role='department', organization=..."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    @factory.post_generation
    def assignment(obj, create, extracted, role=None, school=None, organization=None, **kwargs):
        if create and role:
            staff_assign(user=obj, role=role, school=school, organization=organization)


@dataclass
class OrganizationTree:
    """Two towns under one city school, a county committee with one town committee and one
    branch in each town: the smallest tree on which scope rules can be told apart."""

    city: PartySchool
    town_a: PartySchool
    town_b: PartySchool
    county: PartyOrganization
    committee_a: PartyOrganization
    committee_b: PartyOrganization
    branch_a: PartyOrganization
    branch_b: PartyOrganization

    @classmethod
    def create(cls) -> "OrganizationTree":
        city = CitySchoolFactory(name="中共测试市委党校")
        town_a = TownSchoolFactory(name="甲镇党校", region="甲镇", parent=city)
        town_b = TownSchoolFactory(name="乙镇党校", region="乙镇", parent=city)
        county = make_committee()
        committee_a = make_committee("中共甲镇委员会", parent=county, town=town_a)
        committee_b = make_committee("中共乙镇委员会", parent=county, town=town_b)
        branch_a = make_branch(committee_a, town_a, name="甲镇一村党支部")
        branch_b = make_branch(committee_b, town_b, name="乙镇一村党支部")
        return cls(city, town_a, town_b, county, committee_a, committee_b, branch_a, branch_b)


def migration_rows_ensure() -> None:
    """Put back the rows data migrations create, after a transactional test flushed them:
    Wagtail's root collection, root page and default site, the default evaluation dimensions."""
    from wagtail.models import Collection

    from teachers.services import dimensions_ensure_defaults
    from tests.factories.courses import site_root

    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    site_root()
    dimensions_ensure_defaults()
