"""Administrative changes made in the Wagtail admin are audited (who, what, when, which
fields), and the read-only log is visible only to department staff (their towns plus
county-wide entries) and superusers."""

import pytest
from django.urls import reverse

from lms.audit.models import AuditEntry
from lms.audit.services import audit_record
from lms.schools.models import TeachingPoint
from tests.factories import TeachingPointFactory

pytestmark = pytest.mark.django_db


def _url(action, *args):
    return reverse(f"wagtailsnippets_schools_teachingpoint:{action}", args=args)


def _form(school, **overrides):
    data = {
        "name": "红色教育基地",
        "category": "party_spirit",
        "school": school.pk,
        "run_by": "",
        "address": "",
        "capacity": 40,
        "description": "",
        "is_active": "on",
        # the 网上展厅 photos inline (none)
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "12",
    }
    data.update(overrides)
    return data


def test_create_edit_delete_of_a_snippet_are_audited(roles, login):
    tree = roles.tree
    client = login(roles.town_a_staff)
    response = client.post(_url("add"), _form(tree.town_a))
    assert response.status_code == 302, response.content.decode()[:2000]
    point = TeachingPoint.objects.get(name="红色教育基地")
    created = AuditEntry.objects.get(action="create", object_id=str(point.pk))
    assert created.actor == roles.town_a_staff
    assert created.object_type == "schools.teachingpoint"
    assert created.town == tree.town_a
    assert created.changes["name"] == [None, "红色教育基地"]

    response = client.post(_url("edit", point.pk), _form(tree.town_a, name="红色教育基地（新）", capacity=60))
    assert response.status_code == 302
    edited = AuditEntry.objects.get(action="edit", object_id=str(point.pk))
    assert edited.changes == {"name": ["红色教育基地", "红色教育基地（新）"], "capacity": [40, 60]}

    response = client.post(_url("delete", point.pk))
    assert response.status_code == 302
    assert not TeachingPoint.objects.filter(pk=point.pk).exists()
    deleted = AuditEntry.objects.get(action="delete", object_id=str(point.pk))
    assert deleted.actor == roles.town_a_staff
    assert "红色教育基地（新）" in deleted.summary
    assert deleted.changes["capacity"] == [60, None]


def test_invalid_form_and_get_requests_leave_no_entry(roles, login):
    point = TeachingPointFactory(school=roles.tree.town_a)
    client = login(roles.town_a_staff)
    client.get(_url("edit", point.pk))
    client.get(_url("delete", point.pk))
    client.post(_url("edit", point.pk), _form(roles.tree.town_a, name=""))  # invalid: name required
    assert not AuditEntry.objects.exists()


def test_other_towns_object_cannot_be_changed_and_nothing_is_logged(roles, login):
    point = TeachingPointFactory(school=roles.tree.town_b)
    client = login(roles.town_a_staff)
    assert client.post(_url("delete", point.pk)).status_code == 404
    assert TeachingPoint.objects.filter(pk=point.pk).exists()
    assert not AuditEntry.objects.exists()


def _entries(roles):
    point_a = TeachingPointFactory(school=roles.tree.town_a, name="甲镇教学点")
    point_b = TeachingPointFactory(school=roles.tree.town_b, name="乙镇教学点")
    a = audit_record(actor=roles.superuser, action="edit", obj=point_a, summary="修改：甲镇教学点")
    b = audit_record(actor=roles.superuser, action="edit", obj=point_b, summary="修改：乙镇教学点")
    county = audit_record(actor=roles.superuser, action="edit", obj=roles.tree.city, summary="修改：市委党校")
    return a, b, county


def test_listing_is_scoped_and_read_only(roles, login):
    a, b, county = _entries(roles)
    assert a.town == roles.tree.town_a and b.town == roles.tree.town_b and county.town is None
    index = reverse("wagtailsnippets_audit_auditentry:list")

    body = login(roles.superuser).get(index).content.decode()
    assert "甲镇教学点" in body and "乙镇教学点" in body and "市委党校" in body

    body = login(roles.department).get(index).content.decode()
    assert "甲镇教学点" in body and "乙镇教学点" in body

    response = login(roles.department_a).get(index)
    body = response.content.decode()
    assert response.status_code == 200
    assert "甲镇教学点" in body and "市委党校" in body and "乙镇教学点" not in body
    inspect_b = reverse("wagtailsnippets_audit_auditentry:inspect", args=[b.pk])
    assert login(roles.department_a).get(inspect_b).status_code == 404
    inspect_a = reverse("wagtailsnippets_audit_auditentry:inspect", args=[a.pk])
    assert login(roles.department_a).get(inspect_a).status_code == 200

    # School staff and members have no access to the log at all.
    assert login(roles.town_a_staff).get(index).status_code in (302, 403)
    assert login(roles.member_a_user).get(index).status_code in (302, 403)

    # Nobody, superusers included, can edit or delete an entry.
    root = login(roles.superuser)
    assert root.get(reverse("wagtailsnippets_audit_auditentry:edit", args=[a.pk])).status_code in (302, 403)
    assert root.post(reverse("wagtailsnippets_audit_auditentry:delete", args=[a.pk])).status_code in (302, 403)
    assert AuditEntry.objects.filter(pk=a.pk).exists()


def test_listing_has_no_n_plus_one(roles, login, django_assert_max_num_queries):
    for i in range(30):
        point = TeachingPointFactory(school=roles.tree.town_a, name=f"教学点{i}")
        audit_record(actor=roles.town_a_staff, action="edit", obj=point, summary=f"修改：教学点{i}")
    client = login(roles.superuser)
    index = reverse("wagtailsnippets_audit_auditentry:list")
    client.get(index)
    with django_assert_max_num_queries(30):
        assert client.get(index).status_code == 200
