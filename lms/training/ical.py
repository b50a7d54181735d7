"""iCalendar feeds (RFC 5545, via the icalendar library) of class sessions, for members and
teachers. A teacher's feed can be subscribed to without logging in through a signed,
non-expiring token URL (revoked by rotating SECRET_KEY or the salt)."""

from __future__ import annotations

from django.core import signing
from django.utils import timezone
from icalendar import Calendar, Event

FEED_SALT = "lms.training.teacher-feed"


def teacher_feed_token(teacher_id: int) -> str:
    return signing.Signer(salt=FEED_SALT).sign(str(teacher_id))


def teacher_feed_token_check(token: str) -> int | None:
    try:
        value = signing.Signer(salt=FEED_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def sessions_calendar(sessions, *, name: str, host: str = "party-school.local") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//党校在线//Party School Online//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = timezone.now()
    for s in sessions:
        c = s.training_class
        event = Event()
        event.add("uid", f"session-{s.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("summary", f"{c.title} · {s.display_title}")
        place = s.teaching_point.name if s.teaching_point_id else (s.room or c.place)
        if place:
            event.add("location", place)
        lines = [f"主办：{c.school}"]
        if s.teacher_id:
            lines.append(f"讲师：{s.teacher}")
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    return cal.to_ical()
