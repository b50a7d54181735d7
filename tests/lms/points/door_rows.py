"""Points and reflection rows for the door world (tests/ops/doors_world.py EXTRA_ROWS): the
year's points rule (shared), and in each town a ledger entry and a reflection of the town's
first member, so every scoped viewset has another town's row to be refused."""

import datetime as dt

from django.utils import timezone

from lms.points.models import PointEntry, PointKind, PointRule
from lms.reflections.models import Reflection


def points_rows(town, letter: str) -> None:
    year = timezone.localdate().year
    PointRule.objects.get_or_create(year=year, kind=PointKind.CREDITED_DAY, defaults={"points": 5})
    PointEntry.objects.create(
        member=town.members[0],
        year=year,
        day=dt.date(year, 1, 2),
        kind=PointKind.CREDITED_DAY,
        points=5,
        reason=f"{letter}镇积分事由",
        event_key=f"door-points-{letter}",
    )


def reflection_rows(town, letter: str) -> None:
    Reflection.objects.create(
        member=town.members[0],
        training_class=town.training_class,
        year=timezone.localdate().year,
        title=f"{letter}镇学习心得",
        body="心得正文" * 20,
        submitted_at=timezone.now(),
    )
