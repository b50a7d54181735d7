"""The points rules: which rules hold in a year, and how many points one fact earns. Pure
functions apart from `year_point_rules` (one query); the services apply them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import PointKind, PointRule

# (kind, points, daily cap, min minutes, note) — used for a year nobody has configured.
DEFAULT_POINT_RULES: list[tuple[str, int, int | None, int, str]] = [
    (PointKind.LESSON_COMPLETED, 2, 10, 10, "每完成一节微党课2分，每天最多10分"),
    (PointKind.CREDITED_DAY, 5, None, 10, "每认定一天集中培训5分"),
    (PointKind.QUIZ_PASSED, 3, 9, 10, "每通过一次测验3分，每天最多9分"),
    (PointKind.REFLECTION_APPROVED, 5, None, 10, "每篇学习心得通过审核5分"),
    (PointKind.STUDY_DAY, 1, 5, 10, "当天在线学习满10分钟得分：连续第n天得n分，每天最多5分"),
]


def default_point_rules(year: int) -> list[PointRule]:
    return [
        PointRule(year=year, kind=k, points=p, daily_cap=c, min_minutes=m, note=n)
        for k, p, c, m, n in DEFAULT_POINT_RULES
    ]


def year_point_rules(year: int) -> dict[str, PointRule]:
    """The active rules of `year` by kind: the saved rows if any rule of the year is saved
    (the department configured it), otherwise the defaults."""
    saved = list(PointRule.objects.filter(year=year))
    rules = saved or default_point_rules(year)
    return {r.kind: r for r in rules if r.is_active}


@dataclass(frozen=True)
class Award:
    points: int
    capped: bool


def award_for(rule: PointRule, *, earned_today: int, streak_days: int = 1) -> Award:
    """Points one fact earns under `rule`, given what the same kind already earned the member
    that day: `points` (× the streak length for study_day), cut to what the daily cap leaves."""
    base = rule.points * max(streak_days, 1) if rule.kind == PointKind.STUDY_DAY else rule.points
    if rule.daily_cap is None:
        return Award(base, False)
    left = max(rule.daily_cap - earned_today, 0)
    return Award(min(base, left), base > left)


def streak_length(day: dt.date, qualifying_days: set[dt.date]) -> int:
    """Consecutive qualifying days ending with `day` (0 if `day` itself does not qualify)."""
    n = 0
    while day - dt.timedelta(days=n) in qualifying_days:
        n += 1
    return n
