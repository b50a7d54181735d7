import pytest

from lms.accounts.scope import scope_for, scoped
from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.schools.models import PartySchool, TeachingPoint
from tests.factories import MemberFactory, TeachingPointFactory

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(str(o.name) for o in qs)


def test_member_sees_only_self(roles):
    assert list(scoped(Member.objects.all(), roles.member_a_user)) == [roles.member_a]


def test_town_staff_sees_own_town_members_only(roles):
    assert names(scoped(Member.objects.all(), roles.town_a_staff)) == ["甲党员"]
    assert names(scoped(Member.objects.all(), roles.town_b_staff)) == ["乙党员"]


def test_city_school_staff_sees_every_town(roles):
    assert names(scoped(Member.objects.all(), roles.city_staff)) == ["乙党员", "甲党员"]
    assert set(scoped(PartySchool.objects.all(), roles.city_staff)) == {
        roles.tree.city,
        roles.tree.town_a,
        roles.tree.town_b,
    }


def test_department_sees_its_subtree(roles):
    assert names(scoped(Member.objects.all(), roles.department)) == ["乙党员", "甲党员"]
    assert names(scoped(Member.objects.all(), roles.department_a)) == ["甲党员"]
    orgs = scoped(PartyOrganization.objects.all(), roles.department_a)
    assert set(orgs) == {roles.tree.committee_a, roles.tree.branch_a}


def test_department_of_a_subtree_does_not_see_whole_town_outside_it(roles):
    """A branch in town A but under another committee is outside dept_a's subtree."""
    stray = PartyOrganization.objects.get(pk=roles.tree.county.pk).add_child(
        name="县直属机关党支部", kind="branch", town=roles.tree.town_a
    )
    MemberFactory(branch=stray, name="机关党员")
    assert "机关党员" not in names(scoped(Member.objects.all(), roles.department_a))
    assert "机关党员" in names(scoped(Member.objects.all(), roles.town_a_staff))


def test_teaching_points_follow_school(roles):
    TeachingPointFactory(school=roles.tree.town_a, name="甲镇纪念馆")
    TeachingPointFactory(school=roles.tree.town_b, name="乙镇纪念馆")
    assert names(scoped(TeachingPoint.objects.all(), roles.town_a_staff)) == ["甲镇纪念馆"]
    assert names(scoped(TeachingPoint.objects.all(), roles.member_a_user)) == []


def test_anonymous_and_roleless_see_nothing(roles):
    from django.contrib.auth.models import AnonymousUser

    assert not scoped(Member.objects.all(), AnonymousUser()).exists()
    assert not scoped(Member.objects.all(), roles.nobody).exists()


def test_superuser_sees_all(roles):
    assert scoped(Member.objects.all(), roles.superuser).count() == 2


def test_roles_resolved(roles):
    assert scope_for(roles.member_a_user).roles == ("member",)
    assert scope_for(roles.town_a_staff).roles == ("school_staff",)
    assert scope_for(roles.department).roles == ("department_staff",)


def test_teacher_sees_own_teacher_record_and_no_members(roles):
    from teachers.models import Teacher

    user = roles.nobody
    mine = Teacher.objects.create(name="张讲师", kind=Teacher.Kind.EXPERT, user=user)
    Teacher.objects.create(name="李讲师", kind=Teacher.Kind.LEADER)
    assert scope_for(user).roles == ("teacher",)
    assert list(scoped(Teacher.objects.all(), user)) == [mine]
    assert not scoped(Member.objects.all(), user).exists()


def test_staff_read_whole_teacher_pool(roles):
    from teachers.models import Teacher

    Teacher.objects.create(name="张讲师", kind=Teacher.Kind.EXPERT)
    assert scoped(Teacher.objects.all(), roles.town_a_staff).count() == 1
    assert not scoped(Teacher.objects.all(), roles.member_a_user).exists()


def test_town_department_reads_city_school_records_only_for_its_own_members(roles):
    """The city school runs classes for every town; a town committee's department must see
    its own members' enrolments there, not other towns'."""
    import datetime as dt

    from lms.training.models import Enrollment, TrainingClass

    city_class = TrainingClass.objects.create(
        title="全市轮训班", school=roles.tree.city, start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 5, 2)
    )
    mine = Enrollment.objects.create(training_class=city_class, member=roles.member_a)
    Enrollment.objects.create(training_class=city_class, member=roles.member_b)
    assert list(scoped(Enrollment.objects.all(), roles.department_a)) == [mine]
    assert scoped(Enrollment.objects.all(), roles.city_staff).count() == 2
    assert scoped(Enrollment.objects.all(), roles.department).count() == 2
