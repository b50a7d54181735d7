"""Writes of members — the one write path for the site, the roster import, the admin and
tasks. Every change of a quota category (village committee, branch secretary, mobile) or of
branch is recorded with the day it takes effect (MemberCategoryPeriod, MemberBranchPeriod),
so that the quota rules (lms.quotas.rules.category_held) know who held what when, and the
member's history can be shown. Credited days stay with the person whatever the branch.

`member_history_record` is the one rule for turning "before → after, effective on" into
periods; `member_category_set`, `member_branch_move`, `member_upsert` and the roster
import's `members_bulk_upsert` all go through it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.audit.services import audit_record
from lms.organizations.models import PartyOrganization

from .models import Member, MemberBranchPeriod, MemberCategory, MemberCategoryPeriod

HISTORY_FIELDS = ("branch_id", *Member.CATEGORY_FIELDS.values())
MEMBER_FIELDS = (
    "name",
    "branch_id",
    "gender",
    "phone",
    "join_date",
    "is_village_committee",
    "is_branch_secretary",
    "is_mobile",
    "is_active",
    "user_id",
)


def effective_date_check(*, on: dt.date, join_date: dt.date | None, today: dt.date | None = None) -> None:
    """A change takes effect on a day that has come, and not before the member joined."""
    today = today or timezone.localdate()
    if on > today:
        raise ValidationError("变动日期不能晚于今天。")
    if join_date and on < join_date:
        raise ValidationError("变动日期不能早于入党日期。")


def _category_record(*, member_id: int, join_date: dt.date, category: str, was: bool, held: bool, on: dt.date):
    periods = MemberCategoryPeriod.objects.select_for_update().filter(member_id=member_id, category=category)
    if was and not periods.exists():
        # The first recorded change also records the period before it.
        MemberCategoryPeriod.objects.create(member_id=member_id, category=category, start=join_date)
    current = periods.filter(end__isnull=True).order_by("-start").first()
    if held and current is None:
        MemberCategoryPeriod.objects.create(member_id=member_id, category=category, start=on)
    elif not held and current is not None:
        if on <= current.start:
            current.delete()
        else:
            current.end = on - dt.timedelta(days=1)
            current.save(update_fields=["end"])


def _branch_record(*, member_id: int, join_date: dt.date, old_branch_id: int, branch_id: int, on: dt.date):
    periods = MemberBranchPeriod.objects.select_for_update().filter(member_id=member_id)
    current = periods.filter(end__isnull=True).order_by("-start").first()
    if current is None:
        current = MemberBranchPeriod.objects.create(member_id=member_id, branch_id=old_branch_id, start=join_date)
    current.end = max(on - dt.timedelta(days=1), current.start)
    current.save(update_fields=["end"])
    MemberBranchPeriod.objects.create(member_id=member_id, branch_id=branch_id, start=on)


def member_history_record(*, member_id: int, join_date: dt.date, before: dict, after: dict, on: dt.date) -> list[str]:
    """Record what changed between `before` and `after` (branch_id and the category flags)
    as periods starting `on`. Call inside the transaction that writes `after`. Returns a
    short description of each change (for the audit log)."""
    changes = []
    for category, flag in Member.CATEGORY_FIELDS.items():
        was, held = bool(before.get(flag)), bool(after.get(flag))
        if was != held:
            _category_record(member_id=member_id, join_date=join_date, category=category, was=was, held=held, on=on)
            changes.append(f"{on}起{'担任' if held else '不再担任'}{MemberCategory(category).label}")
    if before.get("branch_id") and after.get("branch_id") and before["branch_id"] != after["branch_id"]:
        _branch_record(
            member_id=member_id,
            join_date=join_date,
            old_branch_id=before["branch_id"],
            branch_id=after["branch_id"],
            on=on,
        )
        changes.append(f"{on}起转入支部#{after['branch_id']}")
    return changes


def _snapshot(member: Member) -> dict:
    return {f: getattr(member, f) for f in MEMBER_FIELDS}


@transaction.atomic
def member_category_set(*, member: Member, category: str, held: bool, on: dt.date, actor=None) -> None:
    """Record that from `on` the member does (or no longer does) hold `category`, and set
    the flag on Member to match. The first change also records the period before it."""
    flag = Member.CATEGORY_FIELDS.get(category)
    if flag is None:
        raise ValidationError("该党员类别不需要记录变动。")
    before = _snapshot(member)
    after = {**before, flag: held}
    if before[flag] == held:
        return
    member_history_record(member_id=member.pk, join_date=member.join_date, before=before, after=after, on=on)
    setattr(member, flag, held)
    member.save(update_fields=[flag, "updated_at"])
    if actor is not None:
        label = "担任" if held else "不再担任"
        audit_record(actor=actor, action="member_category_set", obj=member, summary=f"{on}起{label}{category}")


@transaction.atomic
def member_branch_move(*, member: Member, branch: PartyOrganization, on: dt.date, actor=None) -> None:
    """Move a member to another branch from `on`, keeping the history. Credited days stay
    with the person; reports count the member in the new branch."""
    if branch.kind != PartyOrganization.Kind.BRANCH:
        raise ValidationError("只能转入党支部。")
    if branch.pk == member.branch_id:
        raise ValidationError("党员已在该支部。")
    before = _snapshot(member)
    member_history_record(
        member_id=member.pk, join_date=member.join_date, before=before, after={**before, "branch_id": branch.pk}, on=on
    )
    member.branch = branch
    member.save(update_fields=["branch", "updated_at"])
    if actor is not None:
        audit_record(actor=actor, action="member_branch_move", obj=member, summary=f"{on}起转入{branch}")


@transaction.atomic
def member_upsert(
    *,
    member_no: str,
    name: str,
    branch: PartyOrganization,
    join_date: dt.date,
    on: dt.date | None = None,
    gender: str | None = None,
    phone: str | None = None,
    categories: dict[str, bool] | None = None,
    is_active: bool | None = None,
    actor=None,
) -> Member:
    """Create the member with this 党员编号, or update it; a changed branch or category is
    recorded as history effective `on` (default today). Fields left as None keep what is
    stored. A new member has no history: their flags hold from the start."""
    on = on or timezone.localdate()
    if branch.kind != PartyOrganization.Kind.BRANCH:
        raise ValidationError({"branch": "只能属于党支部。"})
    member = Member.objects.select_for_update().filter(member_no=member_no).first()
    creating = member is None
    if creating:
        member = Member(member_no=member_no)
    else:
        effective_date_check(on=on, join_date=join_date)
    before = _snapshot(member)
    member.name, member.branch, member.join_date = name, branch, join_date
    for fname, value in (("gender", gender), ("phone", phone), ("is_active", is_active)):
        if value is not None:
            setattr(member, fname, value)
    for flag, value in (categories or {}).items():
        if flag not in Member.CATEGORY_FIELDS.values():
            raise ValidationError(f"未知的党员类别字段“{flag}”。")
        setattr(member, flag, bool(value))
    member.full_clean()
    if creating:
        member.save()
        changes = ["新增党员"]
    else:
        after = _snapshot(member)
        changed = [f.removesuffix("_id") for f in MEMBER_FIELDS if before[f] != after[f]]
        if not changed:
            return member
        changes = member_history_record(member_id=member.pk, join_date=join_date, before=before, after=after, on=on)
        member.save(update_fields=[*changed, "updated_at"])
    if actor is not None:
        audit_record(actor=actor, action="member_upsert", obj=member, summary="；".join(changes) or "更新党员信息")
    return member


def members_bulk_upsert(*, rows: Iterable[tuple[Member, dict | None, dt.date]], update_fields: list[str]) -> int:
    """The roster import's write: members upserted by 党员编号 in one statement, then the
    history of every existing member whose branch or categories changed, each effective on
    its own day. `rows` are (member with the new values, the stored values with their "id"
    or None, day).
    Call inside the import's transaction. Returns the number of history changes recorded."""
    rows = list(rows)
    Member.objects.bulk_create(
        [m for m, _before, _on in rows],
        update_conflicts=True,
        unique_fields=["member_no"],
        update_fields=update_fields,
    )
    changed = [
        (m, before, on)
        for m, before, on in rows
        if before is not None and any(before.get(f) != getattr(m, f) for f in HISTORY_FIELDS)
    ]
    if not changed:
        return 0
    recorded = 0
    for m, before, on in changed:
        after = {f: getattr(m, f) for f in HISTORY_FIELDS}
        join_date = before.get("join_date") or m.join_date
        recorded += len(
            member_history_record(member_id=before["id"], join_date=join_date, before=before, after=after, on=on)
        )
    return recorded
