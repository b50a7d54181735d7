"""Reads for quotas: need ranking (used by training's suggested trainees), the set-based
status of many members, and the aggregates behind dashboards and exports."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils import timezone

from lms.members.models import MemberCategory

from .models import RuleKind
from .rules import (
    _cat_field,
    annotate_actuals,
    days_field,
    kind_applicable_q,
    kind_met_q,
    kind_status_expression,
    year_rules,
)

STATUS_FIELDS = {
    RuleKind.TRAINING_DAYS: "status_training_days",
    RuleKind.ROTATION_CLASS: "status_rotation_class",
    RuleKind.FIVE_YEAR_ROTATION: "status_five_year_rotation",
    RuleKind.STUDY_HOURS: "status_study_hours",
    RuleKind.QUIZ: "status_quiz",
    RuleKind.REFLECTION: "status_reflection",
}


def _required_for(rules, to_int: bool = True):
    """Greatest required value among the rules whose category the member holds (0 if none)."""
    out = IntegerField() if to_int else DecimalField(max_digits=6, decimal_places=2)
    parts = []
    for r in rules:
        req = int(r.required) if to_int else r.required
        if r.category == MemberCategory.ORDINARY:
            parts.append(Value(req, output_field=out))
        else:
            parts.append(
                Case(When(**{_cat_field(r.category): True}, then=Value(req)), default=Value(0), output_field=out)
            )
    parts.append(Value(0, output_field=out))
    return parts[0] if len(parts) == 1 else Greatest(*parts, output_field=out)


def members_ranked_by_need(members_qs: QuerySet, year: int, today: dt.date | None = None) -> QuerySet:
    """Members annotated with what they still owe this year, most in need first (one query).

    Annotations: days_this_year, days_required, days_missing, rotation_classes_this_year,
    needs_rotation_class (branch secretary without a rotation class this year),
    last_trained_on, five_year_overdue (no credited day in the 5-year window),
    cat_<category>. (Study hours are left out to keep it fast for a whole town.) Order: secretaries owing a rotation class, members
    overdue for the 5-year rotation, most days missing, longest since last trained."""
    today = today or timezone.localdate()
    yr = year_rules(year)
    qs = annotate_actuals(members_qs, year, today, yr, without=("first_trained_on", "inperson_hours", "study_seconds"))
    day_rules = yr.of_kind(RuleKind.TRAINING_DAYS)
    rotation_rules = yr.of_kind(RuleKind.ROTATION_CLASS)
    five_rules = yr.of_kind(RuleKind.FIVE_YEAR_ROTATION)
    days_col = days_field(day_rules[0]) if day_rules else "days_this_year"
    qs = qs.annotate(
        days_required=_required_for(day_rules),
        needs_rotation_class=Case(
            When(kind_applicable_q(yr, RuleKind.ROTATION_CLASS) & ~kind_met_q(yr, RuleKind.ROTATION_CLASS), then=True),
            default=False,
            output_field=BooleanField(),
        )
        if rotation_rules
        else Value(False),
        five_year_overdue=Case(
            When(
                kind_applicable_q(yr, RuleKind.FIVE_YEAR_ROTATION) & ~kind_met_q(yr, RuleKind.FIVE_YEAR_ROTATION),
                then=True,
            ),
            default=False,
            output_field=BooleanField(),
        )
        if five_rules
        else Value(False),
    )
    qs = qs.annotate(
        days_missing=Greatest(
            ExpressionWrapper(F("days_required") - F(days_col), output_field=IntegerField()),
            Value(0),
            output_field=IntegerField(),
        )
    )
    return qs.order_by(
        F("needs_rotation_class").desc(),
        F("five_year_overdue").desc(),
        F("days_missing").desc(),
        F("last_trained_on").asc(nulls_first=True),
        "pk",
    )


def members_with_quota_status(members_qs: QuerySet, year: int, today: dt.date | None = None) -> QuerySet:
    """The decision of lms.quotas.rules.evaluate_member for many members as one annotated
    queryset: status_<kind> ('' when no rule of that kind applies) and all_met."""
    today = today or timezone.localdate()
    yr = year_rules(year)
    qs = annotate_actuals(members_qs, year, today, yr)
    ann = {}
    for kind, name in STATUS_FIELDS.items():
        ann[name] = kind_status_expression(yr, kind, today) if yr.of_kind(kind) else Value("")
    qs = qs.annotate(**ann)
    all_met = None
    for kind in yr.kinds:
        q = kind_met_q(yr, kind) | ~kind_applicable_q(yr, kind)
        all_met = q if all_met is None else all_met & q
    return qs.annotate(
        all_met=Case(When(all_met, then=True), default=False, output_field=BooleanField())
        if all_met is not None
        else Value(True)
    )


# --- coverage (reads the MemberYearStatus summary; see services.quota_status_refresh) ---------

CATEGORY_FILTERS = {
    MemberCategory.VILLAGE_COMMITTEE: "cat_village_committee",
    MemberCategory.BRANCH_SECRETARY: "cat_branch_secretary",
    MemberCategory.MOBILE: "cat_mobile",
}
LEVELS = ("county", "town", "branch")


def status_rows(user, year: int, category: str | None = None) -> QuerySet:
    """The summary rows of `year` the user may see, optionally of one member category."""
    from lms.accounts.scope import scoped

    from .models import MemberYearStatus

    qs = scoped(MemberYearStatus.objects.filter(year=year), user)
    flag = CATEGORY_FILTERS.get(category)
    return qs.filter(**{flag: True}) if flag else qs


def _aggregates() -> dict:
    from django.db.models import Count, Q

    agg = {
        "members": Count("id"),
        "all_met": Count("id", filter=Q(all_met=True)),
        "never_trained": Count("id", filter=Q(last_trained_on__isnull=True)),
        "trained_this_year": Count("id", filter=Q(first_trained_on__isnull=False)),
    }
    any_at_risk = Q()
    for name in STATUS_FIELDS.values():
        any_at_risk |= Q(**{name: "at_risk"})
    agg["at_risk_members"] = Count("id", filter=any_at_risk)
    for kind, name in STATUS_FIELDS.items():
        agg[f"{kind}_applicable"] = Count("id", filter=~Q(**{name: ""}))
        agg[f"{kind}_met"] = Count("id", filter=Q(**{name: "met"}))
        agg[f"{kind}_at_risk"] = Count("id", filter=Q(**{name: "at_risk"}))
    return agg


def _with_shares(row: dict) -> dict:
    def share(n, d):
        return round(n / d, 4) if d else None

    row["all_met_share"] = share(row["all_met"], row["members"])
    row["trained_share"] = share(row["trained_this_year"], row["members"])
    for kind in STATUS_FIELDS:
        row[f"{kind}_share"] = share(row[f"{kind}_met"], row[f"{kind}_applicable"])
    return row


def coverage_totals(user, year: int, category: str | None = None, *, town_id=None, branch_id=None) -> dict:
    qs = status_rows(user, year, category)
    if town_id:
        qs = qs.filter(town_id=town_id)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return _with_shares(qs.aggregate(**_aggregates()))


# How a unit table may be ordered: by name, or the lagging units (lowest all-met share) first.
UNIT_SORTS = {"name": "按名称", "lagging": "达标率从低到高"}


def coverage_units(
    user, year: int, level: str, parent_id: int | None = None, category: str | None = None, sort: str = "name"
) -> QuerySet:
    """One row per town (level 'county') or per branch of a town (level 'town'): GROUP BY
    with conditional counts on the summary table. A queryset, so pages are cut in the
    database; pass rows through `with_shares` before showing them."""
    from django.db.models import ExpressionWrapper, FloatField

    qs = status_rows(user, year, category)
    if level == "county":
        qs = qs.values(unit_id=F("town_id"), unit_name=F("town__name"))
        name = "town__name"
    elif level == "town":
        qs = qs.filter(town_id=parent_id).values(unit_id=F("branch_id"), unit_name=F("branch__name"))
        name = "branch__name"
    else:
        raise ValueError(level)
    qs = qs.annotate(**_aggregates())
    if sort == "lagging":
        share = ExpressionWrapper(F("all_met") * 1.0 / F("members"), output_field=FloatField())
        return qs.annotate(sort_share=share).order_by("sort_share", name)
    return qs.order_by(name)


def with_shares(rows) -> list[dict]:
    return [_with_shares(row) for row in rows]


def coverage_by_unit(
    user, year: int, level: str, parent_id: int | None = None, category: str | None = None, sort: str = "name"
) -> list:
    """Every unit row with its shares (exports)."""
    return with_shares(coverage_units(user, year, level, parent_id, category, sort))


def coverage_members(user, year: int, branch_id: int, category: str | None = None) -> QuerySet:
    return (
        status_rows(user, year, category)
        .filter(branch_id=branch_id)
        .select_related("member")
        .order_by("all_met", "member__member_no")
    )


def coverage_trend(
    user, year: int, category: str | None = None, *, town_id=None, branch_id=None, total: int | None = None
) -> list[dict]:
    """Members trained for the first time this year, by month (GROUP BY on the summary),
    with the running total from a window function over the monthly rows, and its share."""
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import ExtractMonth

    qs = status_rows(user, year, category)
    if town_id:
        qs = qs.filter(town_id=town_id)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if total is None:
        total = qs.count()
    grouped = (
        qs.filter(first_trained_on__isnull=False)
        .annotate(month=ExtractMonth("first_trained_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    sql, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT g.month, g.n, SUM(g.n) OVER (ORDER BY g.month) FROM ({sql}) g ORDER BY g.month", params)
        by_month = {int(m): (int(n), int(c)) for m, n, c in cursor.fetchall()}
    rows, running = [], 0
    for month in range(1, 13):
        n, cumulative = by_month.get(month, (0, running))
        running = cumulative
        rows.append(
            {
                "month": month,
                "new_trained": n,
                "cumulative": running,
                "share": round(running / total, 4) if total else None,
            }
        )
    return rows


def template_classes(user, year: int, *, town_id=None) -> QuerySet:
    """THE selection behind every 5+1+N figure (home panel, dashboard, Excel, warnings list):
    the year's classes the user may see, drafts included, cancelled ones left out. Published
    classes are counted in the compliance share; drafts that do not comply yet are listed
    separately as "to fix before publishing" (publishing refuses them)."""
    from lms.accounts.scope import scoped
    from lms.training.models import TrainingClass

    qs = scoped(
        TrainingClass.objects.filter(start_date__year=year).exclude(status=TrainingClass.Status.CANCELLED), user
    )
    return qs.filter(school_id=town_id) if town_id else qs


def template_summary(user, year: int, *, town_id=None) -> dict:
    """Counts for the home panel and the dashboard headline, from template_classes."""
    from django.db.models import Count, Q

    from lms.training.models import TrainingClass

    published = Q(status=TrainingClass.Status.PUBLISHED)
    return template_classes(user, year, town_id=town_id).aggregate(
        published=Count("id", filter=published),
        published_compliant=Count("id", filter=published & Q(is_compliant=True)),
        published_noncompliant=Count("id", filter=published & Q(is_compliant=False)),
        drafts_noncompliant=Count("id", filter=Q(status=TrainingClass.Status.DRAFT, is_compliant=False)),
    )


def classes_compliance(user, year: int, *, town_id=None) -> tuple[list[dict], QuerySet]:
    """5+1+N compliance by school (published classes; drafts not yet compliant counted apart),
    and every class that does not comply (published first, then drafts)."""
    from django.db.models import Count, Q

    from lms.training.models import TrainingClass

    qs = template_classes(user, year, town_id=town_id)
    published = Q(status=TrainingClass.Status.PUBLISHED)
    rows = list(
        qs.values(school_name=F("school__name"))
        .annotate(
            classes=Count("id", filter=published),
            compliant=Count("id", filter=published & Q(is_compliant=True)),
            drafts_noncompliant=Count("id", filter=Q(status=TrainingClass.Status.DRAFT, is_compliant=False)),
        )
        .order_by("school__tier", "school__name")
    )
    for r in rows:
        r["share"] = round(r["compliant"] / r["classes"], 4) if r["classes"] else None
    broken = (
        qs.filter(is_compliant=False)
        .select_related("school")
        .order_by(Case(When(published, then=Value(0)), default=Value(1)), "start_date", "pk")
    )
    return rows, broken


UNIT_WARNING_KINDS = ("town_low_coverage", "branch_low_coverage", "class_template")


def warnings_for(
    user,
    *,
    year: int | None = None,
    active_only: bool = True,
    kinds: tuple[str, ...] | None = None,
    town_id: int | None = None,
    branch_id: int | None = None,
) -> QuerySet:
    """Warnings the user may see: their own, their branches'/towns' and their schools' classes.
    Town-level warnings (no branch) are matched by town for department staff too. `town_id` /
    `branch_id` narrow to one unit's warnings (a drill-down page shows only its own)."""
    from lms.accounts.scope import restrict, scoped

    from .models import Warning

    base = Warning.objects.all()
    if kinds:
        base = base.filter(kind__in=kinds)
    if year:
        base = base.filter(year=year)
    if active_only:
        base = base.filter(resolved_at__isnull=True)
    visible = scoped(base, user) | restrict(base.filter(branch__isnull=True, member__isnull=True), user, town="town")
    if branch_id:
        visible = visible.filter(branch_id=branch_id)
    elif town_id:
        visible = visible.filter(town_id=town_id)
    return visible.select_related("town", "branch", "member", "training_class").order_by("kind", "-share", "-id")


# --- a member's progress page -----------------------------------------------------------------


def member_progress_detail(member, year: int, today: dt.date | None = None) -> dict:
    """Everything the “my progress” page shows, in a handful of indexed queries: the rule
    results, what counted (classes, online lessons), and where to get what is missing."""
    from django.db.models import Count, Max, Min, Q, Sum

    from courses.credit import seconds_to_study_hours
    from courses.models import StudyDay
    from lms.training.models import CreditedDay, TrainingClass

    from .rules import evaluate_member

    today = today or timezone.localdate()
    results = evaluate_member(member, year, today)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    classes = list(
        CreditedDay.objects.filter(member=member, day__gte=start, day__lte=end)
        .values(
            "training_class_id", "training_class__title", "training_class__school__name", "is_rotation", "school_tier"
        )
        .annotate(days=Count("day", distinct=True), hours=Sum("hours"), first=Min("day"), last=Max("day"))
        .order_by("first")
    )
    lessons = list(
        StudyDay.objects.filter(member=member, day__gte=start, day__lte=end)
        .values("lesson_id", "lesson__title", "lesson__url_path")
        .annotate(seconds=Sum("credited_seconds"), last=Max("day"))
        .order_by("-last")[:30]
    )
    for row in lessons:
        row["minutes"] = int((row["seconds"] or 0) // 60)
    missing = [r for r in results if r.status != "met"]
    upcoming, suggested = [], []
    if missing and today <= end:
        audience = Q(audiences=[])
        for category in member.categories:
            audience |= Q(audiences__icontains=f'"{category}"')
        town_id = member.branch.town_id
        near = Q(school__tier="city") | Q(school_id=town_id)
        upcoming = list(
            TrainingClass.objects.filter(near, audience, status=TrainingClass.Status.PUBLISHED, start_date__gt=today)
            .select_related("school")
            .order_by("start_date")[:5]
        )
        if any(r.kind == RuleKind.STUDY_HOURS for r in missing):
            try:
                from courses.selectors import lessons_suggested_for
            except ImportError:  # pragma: no cover - courses always installed
                lessons_suggested_for = None
            if lessons_suggested_for is not None:
                suggested = list(lessons_suggested_for(member, limit=5))
    return {
        "member": member,
        "year": year,
        "today": today,
        "results": results,
        "all_met": all(r.status == "met" for r in results),
        "classes": classes,
        "lessons": lessons,
        "online_hours": results[0].details["online_hours"] if results else seconds_to_study_hours(0),
        "inperson_hours": results[0].details["inperson_hours"] if results else 0,
        "upcoming": upcoming,
        "suggested": suggested,
    }
