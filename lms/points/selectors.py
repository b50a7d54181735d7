"""Reads for study points: a member's total and history, and rankings within the viewer's
scope (aggregated in the database, one query each)."""

from __future__ import annotations

from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, Rank

from lms.members.models import Member

from .models import PointEntry


def member_points_total(member, year: int) -> int:
    """The member's points earned in `year` (0 when none). `member` is a Member or its id."""
    member_id = getattr(member, "pk", member)
    total = PointEntry.objects.filter(member_id=member_id, year=year).aggregate(t=Sum("points"))["t"]
    return int(total or 0)


def member_points_history(member, year: int) -> QuerySet[PointEntry]:
    member_id = getattr(member, "pk", member)
    return PointEntry.objects.filter(member_id=member_id, year=year).order_by("-day", "-id")


def member_points_by_kind(member, year: int) -> list[dict]:
    member_id = getattr(member, "pk", member)
    return list(
        PointEntry.objects.filter(member_id=member_id, year=year)
        .values("kind")
        .annotate(points=Sum("points"), entries=Count("id"))
        .order_by("kind")
    )


def ranking_members_for(user) -> QuerySet[Member]:
    """The members whose points `user` may rank: staff and administrators their scope (the
    members' declared scope paths); a member their own branch (the branch's leaderboard)."""
    from lms.accounts import policy
    from lms.accounts.scope import scoped

    members = Member.objects.filter(is_active=True)
    if policy.is_staff(user):
        return scoped(members, user)
    own = policy.member_for(user)
    if own is None:
        return members.none()
    return members.filter(branch_id=own.branch_id)


def _with_year_points(members: QuerySet[Member], year: int) -> QuerySet[Member]:
    return members.annotate(year_entries=FilteredRelation("point_entries", condition=Q(point_entries__year=year)))


def members_ranking(members: QuerySet[Member], year: int) -> QuerySet[Member]:
    """`members` with total_points for `year` and their rank (ties share a rank), best first."""
    qs = _with_year_points(members, year).annotate(
        total_points=Coalesce(Sum("year_entries__points"), Value(0)),
    )
    return (
        qs.annotate(rank=Window(Rank(), order_by=F("total_points").desc()))
        .select_related("branch")
        .order_by("-total_points", "member_no")
    )


def units_ranking(members: QuerySet[Member], year: int, level: str) -> QuerySet:
    """One row per town (level 'town') or branch (level 'branch') of `members`: members,
    total points and points per member, best per member first."""
    from django.db.models import ExpressionWrapper, FloatField

    joined = _with_year_points(members, year)
    if level == "town":
        qs = joined.values(unit_id=F("branch__town_id"), unit_name=F("branch__town__name"))
    elif level == "branch":
        qs = joined.values(unit_id=F("branch_id"), unit_name=F("branch__name"))
    else:
        raise ValueError(level)
    qs = qs.annotate(
        members=Count("id", distinct=True),
        points=Coalesce(Sum("year_entries__points"), Value(0)),
    )
    per_member = ExpressionWrapper(F("points") * 1.0 / F("members"), output_field=FloatField())
    return qs.annotate(per_member=per_member).order_by("-per_member", "unit_name")


def member_rank_in_branch(member, year: int) -> int | None:
    """The member's rank among the active members of their branch (the window is filtered
    in the database, one query)."""
    members = Member.objects.filter(is_active=True, branch_id=member.branch_id)
    return members_ranking(members, year).filter(pk=member.pk).values_list("rank", flat=True).first()
