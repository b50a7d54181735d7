"""Settings of classes, sign-in and attendance with their defaults, read in one place. Each can
be set in Django settings (lms/settings/base.py reads the environment) without code changes."""

from django.conf import settings


def signin_open_before_minutes() -> int:
    """Sign-in and roll call open this many minutes before a session starts (not earlier)."""
    return int(getattr(settings, "TRAINING_SIGNIN_OPEN_BEFORE_MINUTES", 30))


def signin_close_after_minutes() -> int:
    """Members may still scan this many minutes after a session ends."""
    return int(getattr(settings, "TRAINING_SIGNIN_CLOSE_AFTER_MINUTES", 15))


def session_max_hours() -> float:
    """Longest session a school may schedule (a class day is split into sessions)."""
    return float(getattr(settings, "TRAINING_SESSION_MAX_HOURS", 8))


def class_max_capacity() -> int:
    """Largest class a school may open (a county's biggest hall holds a few hundred)."""
    return int(getattr(settings, "TRAINING_CLASS_MAX_CAPACITY", 1000))


def class_max_days() -> int:
    """Longest class (start to end date, inclusive) a school may schedule."""
    return int(getattr(settings, "TRAINING_CLASS_MAX_DAYS", 60))
