import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.training.models import Enrollment
from lms.training.services.enrollment import enrollment_add
from tests.factories import MemberFactory
from tests.factories.training import ClassFactory

pytestmark = pytest.mark.django_db


def test_capacity_enforced_and_nothing_partial(roles):
    c = ClassFactory(school=roles.tree.town_a, capacity=2)
    members = [MemberFactory(branch=roles.tree.branch_a) for _ in range(3)]
    enrollment_add(user=roles.town_a_staff, training_class=c, member_ids=[members[0].pk])
    with pytest.raises(ValidationError) as exc:
        enrollment_add(user=roles.town_a_staff, training_class=c, member_ids=[m.pk for m in members[1:]])
    assert exc.value.messages == ["名额不足：容量2人，已报名1人，本次最多还能报名1人。"]
    assert Enrollment.objects.filter(training_class=c).count() == 1
    enrollment_add(user=roles.town_a_staff, training_class=c, member_ids=[members[1].pk])
    assert Enrollment.objects.filter(training_class=c).count() == 2


def test_repeat_enrolment_is_skipped(roles):
    c = ClassFactory(school=roles.tree.town_a, capacity=1)
    enrollment_add(user=roles.town_a_staff, training_class=c, member_ids=[roles.member_a.pk])
    assert enrollment_add(user=roles.town_a_staff, training_class=c, member_ids=[roles.member_a.pk]) == []
    assert Enrollment.objects.count() == 1


def test_members_outside_jurisdiction_refused(roles):
    c = ClassFactory(school=roles.tree.town_a)
    with pytest.raises(ValidationError) as exc:
        enrollment_add(
            user=roles.town_a_staff, training_class=c, member_ids=[roles.member_a.pk, roles.member_b.pk, 999999]
        )
    assert str(roles.member_b.pk) in exc.value.messages[0] and "999999" in exc.value.messages[0]
    assert not Enrollment.objects.exists()


def test_forged_member_ids_refused(roles):
    c = ClassFactory(school=roles.tree.town_a)
    with pytest.raises(ValidationError) as exc:
        enrollment_add(user=roles.town_a_staff, training_class=c, member_ids=["abc"])
    assert "格式不正确" in exc.value.messages[0]


def test_other_town_and_department_cannot_enrol(roles):
    c = ClassFactory(school=roles.tree.town_a)
    for user in (roles.town_b_staff, roles.department, roles.member_a_user):
        with pytest.raises(PermissionDenied):
            enrollment_add(user=user, training_class=c, member_ids=[roles.member_a.pk])


def test_city_staff_enrol_county_wide(roles):
    c = ClassFactory(school=roles.tree.city)
    rows = enrollment_add(user=roles.city_staff, training_class=c, member_ids=[roles.member_a.pk, roles.member_b.pk])
    assert len(rows) == 2


def test_enrol_page_lists_suggested_members_of_own_town(roles, login):
    c = ClassFactory(school=roles.tree.town_a)
    MemberFactory(branch=roles.tree.branch_a, name="甲镇书记", is_branch_secretary=True)
    r = login(roles.town_a_staff).get(f"/training/classes/{c.pk}/enrol/")
    body = r.content.decode()
    assert r.status_code == 200 and "甲党员" in body and "甲镇书记" in body and "乙党员" not in body
    r = login(roles.town_a_staff).post(f"/training/classes/{c.pk}/enrol/", {"member": [roles.member_a.pk]})
    assert r.status_code == 302 and Enrollment.objects.filter(member=roles.member_a).exists()
    r = login(roles.town_a_staff).post(
        f"/training/classes/{c.pk}/enrol/", {"member_nos": roles.member_b.member_no}, follow=True
    )
    assert "不在您的管辖范围内" in r.content.decode()
    assert login(roles.town_b_staff).get(f"/training/classes/{c.pk}/enrol/").status_code == 404
