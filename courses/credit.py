"""The one conversion rule from credited online-study seconds to study hours (学时).

STUDY_HOURS_RULE: every ``STUDY_SECONDS_PER_HOUR`` seconds (default 2700 = 45 minutes, one
class period) of really-played, credited video time is one 学时. Seconds are summed first
(per member and period, from StudyDay rows) and converted once, rounded DOWN to 0.01 学时,
so that a member is never credited time they did not watch and splitting the sum by day or
lesson never changes the total by more than the rounding step. Quotas and reports call
``seconds_to_study_hours``; nothing else divides by 2700."""

from decimal import ROUND_DOWN, Decimal

from django.conf import settings

STEP = Decimal("0.01")


def seconds_per_hour() -> int:
    return int(getattr(settings, "STUDY_SECONDS_PER_HOUR", 2700))


STUDY_HOURS_RULE = "在线学习：实际观看（计入）每满 {minutes} 分钟折合 1 学时，按年累计，保留两位小数（向下取整）。"


def study_hours_rule_text() -> str:
    return STUDY_HOURS_RULE.format(minutes=f"{seconds_per_hour() / 60:g}")


def seconds_to_study_hours(seconds) -> Decimal:
    """Credited seconds (int/float/Decimal/None) → 学时 as a Decimal with two places."""
    if not seconds or seconds < 0:
        return Decimal("0.00")
    return (Decimal(str(seconds)) / Decimal(seconds_per_hour())).quantize(STEP, rounding=ROUND_DOWN)
