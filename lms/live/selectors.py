"""Reads for live classes: what a user may watch or run, and the department view per 收看点
(aggregated in the database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from lms.accounts import policy
from lms.members.models import Member
from lms.training.models import Enrollment, TrainingClass

from .models import BroadcastSite, LiveBroadcast, LiveViewer, ViewingSite


def online_seconds() -> int:
    """A player (or site terminal) whose last heartbeat is this recent is online."""
    return int(getattr(settings, "LIVE_ONLINE_SECONDS", 60))


def _base() -> QuerySet[LiveBroadcast]:
    return LiveBroadcast.objects.select_related(
        "session__training_class__school", "session__teacher", "lesson", "recording"
    )


def broadcasts_managed(user) -> QuerySet[LiveBroadcast]:
    """Broadcasts of the classes in the user's scope (staff)."""
    return policy.visible(_base(), user).order_by("-publish_opens_at")


def broadcasts_watchable(user) -> QuerySet[LiveBroadcast]:
    """Broadcasts the user may watch (the media policy's question for a live class): a member
    watches the published, uncancelled broadcasts of their own town school and the city school
    above it, and of classes they are enrolled in; staff watch those of the schools in their
    scope and those reaching a 收看点 they run. The recording afterwards follows its lesson's
    policy (lms.accounts.policy.may_watch)."""
    if not policy.may_watch(user):
        return LiveBroadcast.objects.none()
    qs = _base().exclude(status=LiveBroadcast.Status.CANCELLED)
    scope = policy.scope_of(user)
    if scope.is_all:
        return qs
    published = Q(session__training_class__status=TrainingClass.Status.PUBLISHED)
    allowed = Q(pk__in=[])
    if scope.member_id:
        town = (
            Member.objects.filter(pk=scope.member_id).values_list("branch__town_id", "branch__town__parent_id").first()
        )
        schools = [s for s in (town or ()) if s]
        # The enrolled classes as an IN list, not a join: OR-ing a join over enrolments made
        # PostgreSQL scan every broadcast's enrolments (10 ms on every member's home page).
        enrolled = Enrollment.objects.filter(member_id=scope.member_id).values("training_class_id")
        allowed |= published & (
            Q(session__training_class__school_id__in=schools) | Q(session__training_class_id__in=enrolled)
        )
    if scope.school_ids:
        allowed |= Q(session__training_class__school_id__in=scope.school_ids)
        allowed |= published & Q(site_links__site__school_id__in=scope.school_ids)
    return qs.filter(pk__in=qs.filter(allowed).values("pk"))


def broadcasts_upcoming(user, *, now: dt.datetime | None = None) -> QuerySet[LiveBroadcast]:
    """For lists and panels: live now, starting within a week, or ended in the last day."""
    now = now or timezone.now()
    return (
        broadcasts_watchable(user)
        .filter(
            Q(status=LiveBroadcast.Status.LIVE)
            | Q(session__starts_at__lte=now + dt.timedelta(days=7), session__ends_at__gte=now - dt.timedelta(days=1))
        )
        .order_by("session__starts_at")
    )


def may_watch_broadcast(user, broadcast: LiveBroadcast) -> bool:
    return broadcasts_watchable(user).filter(pk=broadcast.pk).exists()


def sites_visible(user) -> QuerySet[ViewingSite]:
    return policy.visible(ViewingSite.objects.select_related("school", "teaching_point", "organization"), user)


def site_links_operated(user, broadcast: LiveBroadcast) -> QuerySet[BroadcastSite]:
    """The broadcast's 收看点 the user runs (their sign-in screens and headcounts)."""
    return policy.visible(broadcast.site_links.select_related("site__school"), user).order_by("site__name")


@dataclass(frozen=True)
class SiteRow:
    link_id: int | None
    name: str
    kind: str
    school: str
    online: bool
    viewers_now: int
    viewers_total: int
    signed_in: int
    headcount: int
    watch_minutes: float


def site_report(broadcast: LiveBroadcast, *, now: dt.datetime | None = None) -> list[SiteRow]:
    """Per 收看点: online now, players now and in all, members signed in, operator headcount,
    live watch minutes; then one row for members watching elsewhere (phones). Two queries."""
    now = now or timezone.now()
    recent = now - dt.timedelta(seconds=online_seconds())
    links = (
        broadcast.site_links.select_related("site__school")
        .annotate(
            viewers_now=Count("viewers", filter=Q(viewers__last_seen_at__gte=recent), distinct=True),
            viewers_total=Count("viewers", distinct=True),
            signed_in=Count("signins", distinct=True),
        )
        .order_by("site__school__name", "site__name")
    )
    seconds = dict(
        LiveViewer.objects.filter(broadcast=broadcast, broadcast_site__isnull=False)
        .values("broadcast_site")
        .annotate(s=Sum("credited_seconds"))
        .values_list("broadcast_site", "s")
    )
    rows = [
        SiteRow(
            link_id=link.pk,
            name=link.site.name,
            kind=link.site.get_kind_display(),
            school=link.site.school.name,
            online=link.viewers_now > 0,
            viewers_now=link.viewers_now,
            viewers_total=link.viewers_total,
            signed_in=link.signed_in,
            headcount=link.headcount,
            watch_minutes=round((seconds.get(link.pk) or 0) / 60, 1),
        )
        for link in links
    ]
    elsewhere = LiveViewer.objects.filter(broadcast=broadcast, broadcast_site__isnull=True).aggregate(
        now=Count("id", filter=Q(last_seen_at__gte=recent)), total=Count("id"), s=Sum("credited_seconds")
    )
    rows.append(
        SiteRow(
            link_id=None,
            name="手机等其他终端",
            kind="个人收看",
            school="",
            online=bool(elsewhere["now"]),
            viewers_now=elsewhere["now"] or 0,
            viewers_total=elsewhere["total"] or 0,
            signed_in=0,
            headcount=0,
            watch_minutes=round((elsewhere["s"] or 0) / 60, 1),
        )
    )
    return rows


def sessions_to_broadcast(user, *, now: dt.datetime | None = None, days: int = 60):
    """Coming sessions of classes the user runs that are not live sessions yet."""
    from lms.training.models import ClassSession

    now = now or timezone.now()
    qs = ClassSession.objects.select_related("training_class__school").filter(
        ends_at__gte=now, starts_at__lte=now + dt.timedelta(days=days), live__isnull=True
    )
    qs = qs.exclude(training_class__status=TrainingClass.Status.CANCELLED)
    scope = policy.scope_of(user)
    if not scope.is_all:
        if not scope.can_manage_schools:
            return qs.none()
        qs = qs.filter(training_class__school_id__in=scope.school_ids)
    return qs.order_by("starts_at")
