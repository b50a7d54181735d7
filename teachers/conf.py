"""Settings of the teacher pool with their defaults, read in one place. Each can be set in
Django settings (or the environment through lms.settings) without code changes."""

from decimal import Decimal

from django.conf import settings


def evaluation_window_days() -> int:
    """Days after a session ends during which its attendees may evaluate the teacher."""
    return int(getattr(settings, "TEACHER_EVALUATION_WINDOW_DAYS", 7))


def feedback_min_responses() -> int:
    """Fewest responses a session needs before its aggregate is shown (anonymity)."""
    return int(getattr(settings, "TEACHER_FEEDBACK_MIN_RESPONSES", 3))


def assessment_score_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "TEACHER_ASSESSMENT_SCORE_THRESHOLD", "3.50")))


def assessment_min_sessions() -> int:
    """A county has ~130 classes a year for a pool of 263: by default only teachers who did not
    teach at all in the year are flagged."""
    return int(getattr(settings, "TEACHER_ASSESSMENT_MIN_SESSIONS", 1))


DEFAULT_DIMENSIONS = [
    ("political", "政治站位", "讲授内容政治方向正确，立场坚定"),
    ("content", "内容质量", "内容充实、观点准确、重点突出"),
    ("practice", "联系实际", "紧密联系基层工作实际，有针对性"),
    ("method", "教学方法", "方法灵活、互动充分、通俗易懂"),
    ("overall", "总体满意", "对本次授课的总体满意程度"),
]
