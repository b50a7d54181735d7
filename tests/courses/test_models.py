"""CoursePage fields that are plain model rules (the page tree and audiences are in test_pages)."""

import pytest
from django.db.models import ProtectedError

from tests.factories.courses import make_course, make_index

pytestmark = pytest.mark.django_db


def test_course_school_is_optional_and_protected(tree):
    index = make_index()
    county_wide = make_course(index)
    county_wide.full_clean()
    assert county_wide.school is None
    town_course = make_course(index, school=tree.town_a)
    town_course.full_clean()
    assert list(tree.town_a.courses.all()) == [town_course]
    # a school offering courses cannot be deleted from under them
    with pytest.raises(ProtectedError):
        tree.town_a.delete()
