"""Writes for study points: `points_award` is the one write path to the ledger; the
`points_for_*` functions name the fact being rewarded; `points_members_sync` derives every
entry that should exist from the stored facts (credited days, completed lessons, quiz passes,
approved reflections, online study days) and awards those missing — idempotent, so the
signal/on_commit path and the periodic sweep can both run, any number of times."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from courses.models import StudyDay, StudyProgress
from lms.members.models import Member
from lms.quizzes.selectors import quiz_passes
from lms.reflections.models import Reflection
from lms.training.models import CreditedDay

from .models import PointEntry, PointKind, PointRule
from .rules import award_for, streak_length, year_point_rules

STREAK_LOOKBACK_DAYS = 60


@dataclass(frozen=True)
class Fact:
    """Something that happened and may earn points, named by its event key."""

    member_id: int
    kind: str
    day: dt.date
    event_key: str
    reason: str


def _qualifying_study_days(
    member_id: int, day: dt.date, rule: PointRule, *, days: int = STREAK_LOOKBACK_DAYS
) -> set[dt.date]:
    """The member's days up to `day` (looking back `days`) with enough online study."""
    start = day - dt.timedelta(days=days)
    rows = (
        StudyDay.objects.filter(member_id=member_id, day__gte=start, day__lte=day)
        .values("day")
        .annotate(s=Sum("credited_seconds"))
        .filter(s__gte=rule.min_minutes * 60)
        .order_by()
    )
    return {r["day"] for r in rows}


def _entry(fact: Fact, rule: PointRule, *, earned_today: int, streak: int) -> PointEntry:
    """The ledger line for `fact` (rules.award_for decides the points; the reason says why)."""
    award = award_for(rule, earned_today=earned_today, streak_days=streak)
    reason = fact.reason
    if fact.kind == PointKind.STUDY_DAY and streak > 1:
        reason += f"（连续第{streak}天）"
    if award.capped:
        reason += "（已达每日上限）"
    return PointEntry(
        member_id=fact.member_id,
        year=fact.day.year,
        day=fact.day,
        kind=fact.kind,
        points=award.points,
        reason=reason[:200],
        event_key=fact.event_key,
    )


def _lock_member(member_id: int) -> None:
    """A member's awards run one after another (daily caps hold under parallel events)."""
    Member.objects.select_for_update().filter(pk=member_id).values_list("pk", flat=True).first()


def points_award(*, fact: Fact, rules: dict[str, PointRule] | None = None) -> PointEntry | None:
    """Record the points `fact` earns, once. Returns the new entry, or None when the fact was
    already rewarded or its kind earns nothing this year (or, for a study day, the day does
    not qualify). A fact that the daily cap leaves nothing for is still recorded, with 0
    points and the reason, so a retry never awards it later.

    Concurrency: the member's row is locked first; the unique event key is the backstop."""
    rules = rules if rules is not None else year_point_rules(fact.day.year)
    rule = rules.get(fact.kind)
    if rule is None or PointEntry.objects.filter(event_key=fact.event_key).exists():
        return None
    try:
        with transaction.atomic():
            _lock_member(fact.member_id)
            if PointEntry.objects.filter(event_key=fact.event_key).exists():
                return None
            streak = 1
            if fact.kind == PointKind.STUDY_DAY:
                streak = streak_length(fact.day, _qualifying_study_days(fact.member_id, fact.day, rule))
                if streak == 0:
                    return None
            earned = (
                PointEntry.objects.filter(member_id=fact.member_id, kind=fact.kind, day=fact.day).aggregate(
                    t=Sum("points")
                )["t"]
                or 0
            )
            entry = _entry(fact, rule, earned_today=earned, streak=streak)
            entry.save(force_insert=True)
    except IntegrityError:  # the same event inserted by a parallel transaction
        return None
    return entry


def _award_missing(member_id: int, year: int, facts: list[Fact], rules: dict[str, PointRule]) -> int:
    """Award one member's facts of `year` that have no entry yet, in one transaction under the
    member's lock: the same rules as points_award, written with one INSERT."""
    with transaction.atomic():
        _lock_member(member_id)
        earned: dict[tuple[str, dt.date], int] = defaultdict(int)
        keys = set()
        for key, kind, day, points in PointEntry.objects.filter(member_id=member_id, year=year).values_list(
            "event_key", "kind", "day", "points"
        ):
            keys.add(key)
            earned[(kind, day)] += points
        todo = [f for f in facts if f.event_key not in keys and f.kind in rules]
        if not todo:
            return 0
        qualifying: set[dt.date] = set()
        study_rule = rules.get(PointKind.STUDY_DAY)
        if study_rule is not None and any(f.kind == PointKind.STUDY_DAY for f in todo):
            qualifying = _qualifying_study_days(member_id, dt.date(year, 12, 31), study_rule, days=366 + 60)
        new = []
        for f in todo:
            streak = streak_length(f.day, qualifying) if f.kind == PointKind.STUDY_DAY else 1
            if streak == 0:
                continue
            entry = _entry(f, rules[f.kind], earned_today=earned[(f.kind, f.day)], streak=streak)
            earned[(f.kind, f.day)] += entry.points
            new.append(entry)
        PointEntry.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        return len(new)


# --- the facts -----------------------------------------------------------------------------------


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def lesson_facts(member_ids: Iterable[int] | None, year: int) -> list[Fact]:
    qs = StudyProgress.objects.filter(completed_at__isnull=False, completed_at__year=year)
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    return [
        Fact(m, PointKind.LESSON_COMPLETED, _local_day(at), f"lesson_completed:{m}:{lesson}", f"完成微党课《{title}》")
        for m, lesson, at, title in qs.values_list("member_id", "lesson_id", "completed_at", "lesson__title")
    ]


def credited_day_facts(member_ids: Iterable[int] | None, year: int) -> list[Fact]:
    qs = CreditedDay.objects.filter(day__year=year).order_by("member_id", "day", "training_class_id")
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    facts: dict[str, Fact] = {}
    for m, day, title in qs.values_list("member_id", "day", "training_class__title"):
        key = f"credited_day:{m}:{day.isoformat()}"
        facts.setdefault(key, Fact(m, PointKind.CREDITED_DAY, day, key, f"参加集中培训“{title}”（{day:%m月%d日}）"))
    return list(facts.values())


def quiz_facts(member_ids: Iterable[int] | None, year: int) -> list[Fact]:
    qs = quiz_passes(year=year, member_ids=member_ids)
    return [quiz_pass_fact(p) for p in qs.select_related("quiz")]


def quiz_pass_fact(quiz_pass) -> Fact:
    return Fact(
        quiz_pass.member_id,
        PointKind.QUIZ_PASSED,
        _local_day(quiz_pass.passed_at),
        f"quiz_passed:{quiz_pass.pk}",
        f"通过测验“{quiz_pass.quiz}”",
    )


def reflection_fact(reflection) -> Fact:
    return Fact(
        reflection.member_id,
        PointKind.REFLECTION_APPROVED,
        _local_day(reflection.reviewed_at),
        f"reflection_approved:{reflection.pk}",
        f"学习心得《{reflection.title}》通过审核",
    )


def reflection_facts(member_ids: Iterable[int] | None, year: int) -> list[Fact]:
    qs = Reflection.objects.filter(status=Reflection.Status.APPROVED, reviewed_at__year=year)
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    return [reflection_fact(r) for r in qs.only("pk", "member_id", "title", "reviewed_at")]


def study_day_facts(member_ids: Iterable[int] | None, year: int, rule: PointRule | None) -> list[Fact]:
    if rule is None:
        return []
    qs = StudyDay.objects.filter(day__year=year)
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    rows = (
        qs.values("member_id", "day")
        .annotate(s=Sum("credited_seconds"))
        .filter(s__gte=rule.min_minutes * 60)
        .order_by("member_id", "day")
    )
    return [
        Fact(
            r["member_id"],
            PointKind.STUDY_DAY,
            r["day"],
            f"study_day:{r['member_id']}:{r['day'].isoformat()}",
            f"{r['day']:%m月%d日}在线学习满{rule.min_minutes}分钟",
        )
        for r in rows
    ]


def point_facts(member_ids: Iterable[int] | None, year: int, rules: dict[str, PointRule]) -> list[Fact]:
    """Every fact of `year` that may earn points, oldest day first (so daily caps are applied
    in the order things happened)."""
    ids = list(member_ids) if member_ids is not None else None
    facts = (
        lesson_facts(ids, year)
        + credited_day_facts(ids, year)
        + quiz_facts(ids, year)
        + reflection_facts(ids, year)
        + study_day_facts(ids, year, rules.get(PointKind.STUDY_DAY))
    )
    return sorted(facts, key=lambda f: (f.day, f.member_id, f.kind, f.event_key))


def points_members_sync(*, member_ids: Iterable[int] | None = None, year: int, chunk: int = 1000) -> int:
    """Award every missing entry of `year` for these members (all when None). Returns the
    number of entries written. Only members with facts lacking an entry are locked and written."""
    rules = year_point_rules(year)
    if member_ids is None:
        member_ids = Member.objects.order_by("pk").values_list("pk", flat=True)
    ids = list(member_ids)
    written = 0
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        facts = point_facts(part, year, rules)
        existing = set(PointEntry.objects.filter(member_id__in=part, year=year).values_list("event_key", flat=True))
        by_member: dict[int, list[Fact]] = defaultdict(list)
        for f in facts:
            if f.event_key not in existing:
                by_member[f.member_id].append(f)
        for member_id, member_facts in by_member.items():
            written += _award_missing(member_id, year, member_facts, rules)
    return written


def points_members_touch(*, member_ids: Iterable[int]) -> None:
    """Sync these members' points shortly after the current transaction commits (Celery)."""
    ids = sorted({int(i) for i in member_ids})
    if not ids:
        return

    def enqueue() -> None:
        from .tasks import points_members_sync_task

        points_members_sync_task.delay(ids)

    transaction.on_commit(enqueue)


@transaction.atomic
def point_rule_save(*, rule: PointRule, actor) -> PointRule:
    """Create or change a year's points rule (admin), audited. Entries already recorded keep
    their points: the ledger is history."""
    from lms.audit.services import audit_record

    creating = rule.pk is None
    rule.full_clean()
    rule.save()
    audit_record(
        actor=actor,
        action="point_rule_create" if creating else "point_rule_update",
        obj=rule,
        summary=f"{'新增' if creating else '修改'}积分规则：{rule}",
    )
    return rule
