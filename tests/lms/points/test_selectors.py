import datetime as dt

import pytest

from lms.points.models import PointEntry, PointKind
from lms.points.selectors import member_points_total

pytestmark = pytest.mark.django_db


def test_member_points_total_sums_one_year(roles):
    m = roles.member_a
    assert member_points_total(m, 2025) == 0
    for i, (year, pts) in enumerate([(2025, 3), (2025, 4), (2024, 10)]):
        PointEntry.objects.create(
            member=m,
            year=year,
            day=dt.date(year, 5, 1),
            kind=PointKind.LESSON_COMPLETED,
            points=pts,
            reason="测试",
            event_key=f"t:{i}",
        )
    assert member_points_total(m, 2025) == 7
    assert member_points_total(m.pk, 2024) == 10
    assert member_points_total(roles.member_b, 2025) == 0
