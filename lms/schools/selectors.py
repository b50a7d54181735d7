"""Reads for the 网上展厅 (online exhibition hall): which teaching points show, grouped how,
which classes have used one, and how it is booked."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.urls import reverse

from lms.accounts import policy
from lms.training.models import ClassSession, TrainingClass

from .models import PartySchool, TeachingPoint, TeachingPointPhoto

MAX_QUERY_CHARS = 50
CLASSES_SHOWN = 20


@dataclass(frozen=True)
class ExhibitionQuery:
    q: str = ""
    town: int | None = None
    category: str = ""
    problems: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params) -> ExhibitionQuery:
        """Filters from the query string; a bad value is dropped and named (never a 500)."""
        problems = []
        q = " ".join((params.get("q") or "").split())[:MAX_QUERY_CHARS]
        town = None
        raw_town = (params.get("town") or "").strip()
        if raw_town:
            if raw_town.isdigit() and len(raw_town) < 12:
                town = int(raw_town)
            else:
                problems.append("镇街参数无效，已显示全部镇街。")
        category = (params.get("category") or "").strip()
        if category and category not in TeachingPoint.Category.values:
            problems.append("类别参数无效，已显示全部类别。")
            category = ""
        return cls(q=q, town=town, category=category, problems=tuple(problems))

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.town or self.category)


def _photos():
    return Prefetch("photos", queryset=TeachingPointPhoto.objects.select_related("image").order_by("sort_order", "pk"))


def exhibition_points(query: ExhibitionQuery | None = None) -> QuerySet[TeachingPoint]:
    """Active teaching points matching the filters, town by town. `q` matches name, introduction,
    highlights, address, host unit, town and category (substring: Chinese needs no word split)."""
    query = query or ExhibitionQuery()
    qs = TeachingPoint.objects.filter(is_active=True, school__tier=PartySchool.Tier.TOWN)
    if query.town:
        qs = qs.filter(school_id=query.town)
    if query.category:
        qs = qs.filter(category=query.category)
    for word in query.q.split():
        match = (
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(highlights__icontains=word)
            | Q(address__icontains=word)
            | Q(run_by__icontains=word)
            | Q(school__name__icontains=word)
            | Q(school__region__icontains=word)
        )
        categories = [value for value, label in TeachingPoint.Category.choices if word in label]
        if categories:
            match |= Q(category__in=categories)
        qs = qs.filter(match)
    return qs.select_related("school").prefetch_related(_photos()).order_by("school__name", "category", "name")


def exhibition_by_town(points) -> list[tuple[PartySchool, list[TeachingPoint]]]:
    groups: dict[int, tuple[PartySchool, list[TeachingPoint]]] = {}
    for point in points:
        groups.setdefault(point.school_id, (point.school, []))[1].append(point)
    return list(groups.values())


def exhibition_towns() -> QuerySet[PartySchool]:
    """Town schools with at least one active teaching point (the gallery's town filter)."""
    return (
        PartySchool.objects.filter(tier=PartySchool.Tier.TOWN, teaching_points__is_active=True)
        .distinct()
        .order_by("name")
    )


def category_chips() -> list[tuple[str, str, int]]:
    """(value, label, active points) for each of the five categories, in their fixed order."""
    rows = TeachingPoint.objects.filter(is_active=True).values("category").annotate(n=Count("pk"))
    counts = {row["category"]: row["n"] for row in rows}
    return [(value, label, counts.get(value, 0)) for value, label in TeachingPoint.Category.choices]


def exhibition_point(pk: int) -> TeachingPoint | None:
    return (
        TeachingPoint.objects.filter(pk=pk, is_active=True)
        .select_related("school", "tour_video")
        .prefetch_related(_photos())
        .first()
    )


def classes_at(point: TeachingPoint, limit: int = CLASSES_SHOWN) -> list[TrainingClass]:
    """Published classes that held (or will hold) a session at `point`, latest visit first;
    each carries `visited_at` (its first session there) and `visits`."""
    sessions_here = Q(sessions__teaching_point=point)
    return list(
        TrainingClass.objects.filter(status=TrainingClass.Status.PUBLISHED, sessions__teaching_point=point)
        .annotate(
            visited_at=Min("sessions__starts_at", filter=sessions_here), visits=Count("sessions", filter=sessions_here)
        )
        .select_related("school")
        .order_by("-visited_at", "-pk")[:limit]
    )


def upcoming_bookings(point: TeachingPoint, now, limit: int = 10) -> list[ClassSession]:
    """Sessions booked at `point` from `now` on (staff see when it is taken)."""
    return list(
        ClassSession.objects.filter(teaching_point=point, ends_at__gte=now)
        .exclude(training_class__status=TrainingClass.Status.CANCELLED)
        .select_related("training_class", "training_class__school")
        .order_by("starts_at")[:limit]
    )


@dataclass(frozen=True)
class Booking:
    contact_name: str
    contact_phone: str
    notes: str
    school_name: str
    school_phone: str
    may_book: bool  # the user schedules classes that may use this point
    booking_url: str


def booking_for(user, point: TeachingPoint) -> Booking:
    """How to book `point`: the contact for everyone; for staff of a school that may book it
    (its own town school, or the city school above — lms.training.rules), the path they use:
    a class's 添加课次 with kind 现场教学 and this point."""
    may_book = policy.may_manage_school(user, point.school) or policy.may_manage_school(user, point.school.parent_id)
    return Booking(
        contact_name=point.contact_name,
        contact_phone=point.contact_phone,
        notes=point.booking_notes,
        school_name=point.school.name,
        school_phone=point.school.contact_phone,
        may_book=may_book,
        booking_url=reverse("training:index") if may_book else "",
    )


def map_url(point: TeachingPoint) -> str:
    """A plain link to a web map search for the address (no map scripts on our pages)."""
    place = point.address or f"{point.school.region}{point.name}"
    return f"https://uri.amap.com/search?keyword={quote(place)}&src=dangxiao"
