"""Wagtail admin listings and object views go through the scope check."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def member_url(action, pk=None):
    name = f"wagtailsnippets_members_member:{action}"
    return reverse(name, args=[pk]) if pk else reverse(name)


def test_town_staff_lists_only_own_town(roles, login):
    client = login(roles.town_a_staff)
    response = client.get(member_url("list"))
    assert response.status_code == 200
    assert "甲党员" in response.content.decode()
    assert "乙党员" not in response.content.decode()


def test_town_staff_cannot_open_other_towns_member(roles, login):
    client = login(roles.town_a_staff)
    assert client.get(member_url("edit", roles.member_b.pk)).status_code in (403, 404)
    assert client.get(member_url("delete", roles.member_b.pk)).status_code in (403, 404)


def test_department_reads_members_in_subtree_but_writes_them_elsewhere(roles, login):
    """Members are written by the roster workspace and member services (history kept): the
    admin shows them read-only, to department staff too."""
    client = login(roles.department)
    assert client.get(member_url("inspect", roles.member_b.pk)).status_code == 200
    assert client.get(member_url("edit", roles.member_b.pk)).status_code in (302, 403)


def test_department_cannot_delete_outside_subtree(roles, login):
    client = login(roles.department_a)
    assert client.post(member_url("delete", roles.member_b.pk)).status_code in (403, 404)
    from lms.members.models import Member

    assert Member.objects.filter(pk=roles.member_b.pk).exists()


def test_member_has_no_admin(roles, login):
    client = login(roles.member_a_user)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
