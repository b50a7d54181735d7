from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from lms.accounts.scope import scoped

from .models import Member, MemberBranchPeriod, MemberCategory, MemberCategoryPeriod


def members_visible_to(user) -> QuerySet[Member]:
    """Members the user may see: own record, their town(s), or their organization subtree."""
    qs = Member.objects.select_related("branch", "branch__town")
    return scoped(qs, user)


@dataclass(frozen=True)
class HistoryEntry:
    """One period of a member's history: a category held, or a branch belonged to."""

    kind: str  # "category" | "branch"
    label: str  # 村“两委”成员 / the branch's name
    start: dt.date
    end: dt.date | None

    @property
    def text(self) -> str:
        until = f"至 {self.end:%Y-%m-%d}" if self.end else "至今"
        what = "担任" if self.kind == "category" else "所在支部："
        return f"{self.start:%Y-%m-%d} {until}，{what}{self.label}"


def member_history(member: Member | int) -> list[HistoryEntry]:
    """The recorded category periods and branch moves of a member, oldest first (two
    queries). Members whose flags never changed since they were entered have none."""
    member_id = member.pk if isinstance(member, Member) else member
    entries = [
        HistoryEntry("category", MemberCategory(c).label, start, end)
        for c, start, end in MemberCategoryPeriod.objects.filter(member_id=member_id).values_list(
            "category", "start", "end"
        )
    ]
    entries += [
        HistoryEntry("branch", name, start, end)
        for name, start, end in MemberBranchPeriod.objects.filter(member_id=member_id).values_list(
            "branch__name", "start", "end"
        )
    ]
    entries.sort(key=lambda e: (e.start, e.kind))
    return entries
