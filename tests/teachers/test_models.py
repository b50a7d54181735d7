"""Teacher fields that are plain model rules."""

import pytest
from django.db.models import ProtectedError

from tests.factories.teachers import TeacherFactory

pytestmark = pytest.mark.django_db


def test_teacher_school_is_optional_and_protected(tree):
    unattached = TeacherFactory()
    unattached.full_clean()
    assert unattached.school is None
    own = TeacherFactory(school=tree.town_a)
    own.full_clean()
    assert list(tree.town_a.teachers.all()) == [own]
    with pytest.raises(ProtectedError):
        tree.town_a.delete()


def test_teacher_school_is_in_the_edit_form(roles, login):
    teacher = TeacherFactory()
    html = login(roles.superuser).get(f"/admin/snippets/teachers/teacher/edit/{teacher.pk}/").content.decode()
    assert 'name="school"' in html and "所属党校" in html
