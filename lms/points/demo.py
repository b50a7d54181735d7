"""seed_demo step (after training, courses, quizzes and reflections; before quotas): this
year's points rules, saved as data for the department to edit in the admin, and every
member's points derived from the demo facts by the same sweep the nightly task runs."""

from __future__ import annotations

import time

from .models import PointRule
from .rules import default_point_rules
from .services import points_members_sync


def seed(ctx) -> None:
    for year in range(ctx.year - ctx.years + 1, ctx.year + 1):
        if not PointRule.objects.filter(year=year).exists():
            PointRule.objects.bulk_create(default_point_rules(year))
        t0 = time.monotonic()
        written = points_members_sync(year=year)
        ctx.log(f"    {year}年学习积分：{written}条记录，{time.monotonic() - t0:.1f}s")
