"""The quota rules: what counts toward each kind of rule, and when a rule is met.

`evaluate_member(member, year)` is THE function that decides a member's status; the
set-based `members_with_quota_status` (selectors) builds the same decision as SQL from
the same expressions defined here (`annotate_actuals`, `rule_met_q`), and a test checks
that both agree member by member.

Definitions (documented for staff on the rules page):
- A year's rules are the saved QuotaRule rows of that year (QuotaYear opened), otherwise
  DEFAULT_RULES. A member is held to the rules of every category they belong to on the
  *reference day* — the last day of the year, or today while the year is running — so a
  member who becomes branch secretary in August owes this year's rotation class, one who
  stepped down in March does not. Category history comes from MemberCategoryPeriod when
  recorded, otherwise from the flags on Member.
- training_days: distinct calendar days credited (CreditedDay) inside the year at a school
  of the rule's tier or higher. A class spanning New Year counts each day in its own year.
- rotation_class: distinct rotation classes (is_rotation) with a credited day in the year.
- five_year_rotation: credited days at a party school within the window of the rule's
  `window_years` calendar years ending with the year (2022–2026 for 2026).
- study_hours: in-person credited hours + online study (sum of StudyDay seconds in the year
  converted once by courses.credit.seconds_to_study_hours), Article 20 of the 2019
  《中国共产党党员教育管理工作条例》 (≥32 学时 a year).
- quiz: passes (QuizPass, one per member, quiz and year) in the year of the rule's quiz, or of
  any quiz when the rule names none ("pass the annual 党章党规 test" = required 1, that quiz).
- reflection: the member's reflections (学习心得) of the year that were approved.
- Study points (lms.points) never count toward any rule.
- Status: met; otherwise at_risk from QuotaYear.at_risk_from (default 1 October) until
  31 December; otherwise not_met (before the warning date it reads “not yet met”, after
  the year it is final).
- Quotas follow the person: credited days count wherever they were earned (branch moves).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import and_, or_

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor
from django.utils import timezone

from courses.credit import seconds_per_hour, seconds_to_study_hours
from lms.members.models import Member, MemberCategory, MemberCategoryPeriod

from .models import (
    DEFAULT_WARNING_SHARE,
    QuotaRule,
    QuotaYear,
    RuleKind,
    RuleStatus,
    SchoolTier,
    default_at_risk_from,
)

ARTICLE_20 = "《中国共产党党员教育管理工作条例》（2019年）第二十条"

# (category, kind, required, min tier, window years, source)
DEFAULT_RULES: list[tuple[str, str, Decimal, str, int, str]] = [
    (
        MemberCategory.ORDINARY,
        RuleKind.TRAINING_DAYS,
        Decimal("1"),
        SchoolTier.TOWN,
        5,
        "普通党员每年到镇街党校以上参加培训不少于1天",
    ),
    (
        MemberCategory.VILLAGE_COMMITTEE,
        RuleKind.TRAINING_DAYS,
        Decimal("2"),
        SchoolTier.TOWN,
        5,
        "村“两委”成员中的党员每年参加培训不少于2天",
    ),
    (
        MemberCategory.BRANCH_SECRETARY,
        RuleKind.ROTATION_CLASS,
        Decimal("1"),
        SchoolTier.TOWN,
        5,
        "支部书记每年集中轮训1次",
    ),
    (
        MemberCategory.ORDINARY,
        RuleKind.FIVE_YEAR_ROTATION,
        Decimal("1"),
        SchoolTier.TOWN,
        5,
        "党员5年内至少到党校轮训1次",
    ),
    (
        MemberCategory.ORDINARY,
        RuleKind.STUDY_HOURS,
        Decimal("32"),
        SchoolTier.TOWN,
        5,
        ARTICLE_20 + "：每年不少于32学时",
    ),
]
KIND_ORDER = [
    RuleKind.TRAINING_DAYS,
    RuleKind.ROTATION_CLASS,
    RuleKind.FIVE_YEAR_ROTATION,
    RuleKind.STUDY_HOURS,
    RuleKind.QUIZ,
    RuleKind.REFLECTION,
]
CATEGORY_ORDER = [c.value for c in MemberCategory]
ZERO = Decimal("0")


def default_rules(year: int) -> list[QuotaRule]:
    return [
        QuotaRule(year=year, category=c, kind=k, required=r, min_school_tier=t, window_years=w, source=s)
        for c, k, r, t, w, s in DEFAULT_RULES
    ]


@dataclass
class YearRules:
    """A year's active rules and thresholds (saved ones, or the defaults if not opened)."""

    year: int
    at_risk_from: dt.date
    coverage_warning_share: Decimal
    rules: list[QuotaRule]
    is_saved: bool = False

    def of_kind(self, kind: str) -> list[QuotaRule]:
        return [r for r in self.rules if r.kind == kind]

    @property
    def kinds(self) -> list[str]:
        present = {r.kind for r in self.rules}
        return [k.value for k in KIND_ORDER if k in present]


def year_rules(year: int) -> YearRules:
    qyear = QuotaYear.objects.filter(year=year).first()
    if qyear is None:
        rules, at_risk_from, share, saved = (
            default_rules(year),
            default_at_risk_from(year),
            DEFAULT_WARNING_SHARE,
            False,
        )
    else:
        rules = list(QuotaRule.objects.filter(year=year).select_related("quiz"))
        at_risk_from, share, saved = qyear.at_risk_from, qyear.coverage_warning_share, True
    rules = [r for r in rules if r.required > 0]
    rules.sort(key=lambda r: (KIND_ORDER.index(r.kind), CATEGORY_ORDER.index(r.category)))
    return YearRules(year, at_risk_from, share, rules, saved)


def reference_day(year: int, today: dt.date) -> dt.date:
    """The day whose categories decide which rules apply for `year`."""
    end = dt.date(year, 12, 31)
    return end if today > end else today


def unmet_status(year: int, today: dt.date, at_risk_from: dt.date) -> str:
    """The status of a rule that is not met: it only depends on the calendar."""
    if dt.date(year, 1, 1) <= today <= dt.date(year, 12, 31) and today >= at_risk_from:
        return RuleStatus.AT_RISK
    return RuleStatus.NOT_MET


# --- SQL expressions on Member (outer ref = member pk) ---------------------------------------


def _cat_field(category: str) -> str:
    return f"cat_{category}"


def category_held(category: str, ref: dt.date):
    """Boolean expression: did the member hold `category` on `ref`?"""
    flag = Member.CATEGORY_FIELDS[category]
    periods = MemberCategoryPeriod.objects.filter(member=OuterRef("pk"), category=category)
    covering = periods.filter(Q(start__lte=ref), Q(end__isnull=True) | Q(end__gte=ref))
    return Case(
        When(Exists(periods), then=Exists(covering)),
        default=F(flag),
        output_field=BooleanField(),
    )


def _credited(start: dt.date, end: dt.date, **filters):
    from lms.training.models import CreditedDay

    return CreditedDay.objects.filter(member=OuterRef("pk"), day__gte=start, day__lte=end, **filters).order_by()


def _scalar(qs, aggregate, output_field, default):
    sub = Subquery(qs.values("member").annotate(v=aggregate).values("v")[:1], output_field=output_field)
    return Coalesce(sub, Value(default, output_field=output_field), output_field=output_field)


def _tier_suffix(tiers: tuple[str, ...]) -> str:
    return "" if set(tiers) == {"town", "city"} else "_" + "_".join(sorted(tiers))


def days_field(rule: QuotaRule) -> str:
    return "days_this_year" + _tier_suffix(rule.tiers)


def window_field(rule: QuotaRule) -> str:
    return f"window_days_{rule.window_years}y" + _tier_suffix(rule.tiers)


def quiz_field(rule: QuotaRule) -> str:
    return f"quizzes_passed_{rule.quiz_id}" if rule.quiz_id else "quizzes_passed_any"


REFLECTIONS_FIELD = "reflections_approved"


def annotate_actuals(
    qs: QuerySet,
    year: int,
    today: dt.date | None = None,
    yr: YearRules | None = None,
    *,
    without: tuple[str, ...] = (),
) -> QuerySet:
    """Annotate members with everything any rule of `year` counts (one query, subqueries).

    Always present: cat_<category> (held on the reference day), days_this_year (town tier or
    higher), rotation_classes_this_year, inperson_hours, study_seconds, study_hours_total,
    last_trained_on (up to the year's end), first_trained_on (inside the year) and
    window_days_5y; plus one field per other tier/window a saved rule uses, quizzes_passed_<quiz
    id|any> per quiz rule and reflections_approved when a reflection rule exists. `without` leaves
    out fields a caller does not need (each is a subquery per member)."""
    today = today or timezone.localdate()
    yr = yr or year_rules(year)
    ref = reference_day(year, today)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    sph = seconds_per_hour()
    ann = {_cat_field(c): category_held(c, ref) for c in Member.CATEGORY_FIELDS}
    std = ("town", "city")
    ann["days_this_year"] = _scalar(
        _credited(start, end, school_tier__in=std), Count("day", distinct=True), IntegerField(), 0
    )
    for rule in yr.of_kind(RuleKind.TRAINING_DAYS):
        name = days_field(rule)
        if name not in ann:
            ann[name] = _scalar(
                _credited(start, end, school_tier__in=rule.tiers), Count("day", distinct=True), IntegerField(), 0
            )
    ann["rotation_classes_this_year"] = _scalar(
        _credited(start, end, is_rotation=True), Count("training_class", distinct=True), IntegerField(), 0
    )
    windows = [QuotaRule(min_school_tier=SchoolTier.TOWN, window_years=5)] + yr.of_kind(RuleKind.FIVE_YEAR_ROTATION)
    for rule in windows:
        name = window_field(rule)
        if name not in ann:
            wstart = dt.date(year - rule.window_years + 1, 1, 1)
            ann[name] = _scalar(
                _credited(wstart, end, school_tier__in=rule.tiers), Count("day", distinct=True), IntegerField(), 0
            )
    ann["last_trained_on"] = Subquery(
        _credited(dt.date(1900, 1, 1), end).values("member").annotate(v=Max("day")).values("v")[:1],
        output_field=DateField(),
    )
    ann["first_trained_on"] = Subquery(
        _credited(start, end).values("member").annotate(v=Min("day")).values("v")[:1], output_field=DateField()
    )
    money = DecimalField(max_digits=10, decimal_places=2)
    ann["inperson_hours"] = _scalar(_credited(start, end), Sum("hours"), money, ZERO)
    from courses.models import StudyDay

    study = StudyDay.objects.filter(member=OuterRef("pk"), day__gte=start, day__lte=end).order_by()
    ann["study_seconds"] = _scalar(study, Sum("credited_seconds"), FloatField(), 0.0)
    for rule in yr.of_kind(RuleKind.QUIZ):
        from lms.quizzes.selectors import quiz_passes

        passes = quiz_passes(quiz_id=rule.quiz_id, year=year).filter(member=OuterRef("pk")).order_by()
        ann[quiz_field(rule)] = _scalar(passes, Count("id"), IntegerField(), 0)
    if yr.of_kind(RuleKind.REFLECTION):
        from lms.reflections.models import Reflection

        approved = Reflection.objects.filter(
            member=OuterRef("pk"), year=year, status=Reflection.Status.APPROVED
        ).order_by()
        ann[REFLECTIONS_FIELD] = _scalar(approved, Count("id"), IntegerField(), 0)
    qs = qs.annotate(**{k: v for k, v in ann.items() if k not in without})
    if "study_seconds" in without or "inperson_hours" in without:
        return qs
    # The conversion rule of courses.credit (round down to 0.01 学时), expressed in SQL.
    online = Floor(F("study_seconds") * 100 / Value(float(sph))) / Value(100.0)
    return qs.annotate(
        study_hours_total=Cast(F("inperson_hours"), FloatField()) + online,
    )


def _held_q(category: str) -> Q:
    if category == MemberCategory.ORDINARY:
        return Q(pk__isnull=False)
    return Q(**{_cat_field(category): True})


def rule_met_q(rule: QuotaRule) -> Q:
    req = rule.required
    if rule.kind == RuleKind.TRAINING_DAYS:
        return Q(**{f"{days_field(rule)}__gte": req})
    if rule.kind == RuleKind.ROTATION_CLASS:
        return Q(rotation_classes_this_year__gte=req)
    if rule.kind == RuleKind.FIVE_YEAR_ROTATION:
        return Q(**{f"{window_field(rule)}__gte": req})
    if rule.kind == RuleKind.QUIZ:
        return Q(**{f"{quiz_field(rule)}__gte": req})
    if rule.kind == RuleKind.REFLECTION:
        return Q(**{f"{REFLECTIONS_FIELD}__gte": req})
    return Q(study_hours_total__gte=float(req))


def kind_applicable_q(yr: YearRules, kind: str) -> Q:
    return reduce(or_, (_held_q(r.category) for r in yr.of_kind(kind)), Q(pk__isnull=True))


def kind_met_q(yr: YearRules, kind: str) -> Q:
    parts = [~_held_q(r.category) | rule_met_q(r) for r in yr.of_kind(kind)]
    return reduce(and_, parts, Q(pk__isnull=False))


def kind_status_expression(yr: YearRules, kind: str, today: dt.date):
    return Case(
        When(~kind_applicable_q(yr, kind), then=Value("")),
        When(kind_met_q(yr, kind), then=Value(RuleStatus.MET.value)),
        default=Value(unmet_status(yr.year, today, yr.at_risk_from)),
    )


# --- the one function ---------------------------------------------------------------------


@dataclass
class RuleResult:
    rule: QuotaRule
    status: str
    required: Decimal
    actual: Decimal
    missing: Decimal
    explanation: str
    details: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def status_label(self) -> str:
        return RuleStatus(self.status).label

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, int(self.actual * 100 / self.required))


def _actual(rule: QuotaRule, row: dict) -> Decimal:
    if rule.kind == RuleKind.TRAINING_DAYS:
        return Decimal(row[days_field(rule)])
    if rule.kind == RuleKind.ROTATION_CLASS:
        return Decimal(row["rotation_classes_this_year"])
    if rule.kind == RuleKind.FIVE_YEAR_ROTATION:
        return Decimal(row[window_field(rule)])
    if rule.kind == RuleKind.QUIZ:
        return Decimal(row[quiz_field(rule)])
    if rule.kind == RuleKind.REFLECTION:
        return Decimal(row[REFLECTIONS_FIELD])
    return Decimal(row["inperson_hours"] or 0) + seconds_to_study_hours(row["study_seconds"])


def _fmt(d: Decimal) -> str:
    return f"{d.normalize():f}" if d == d.to_integral() else f"{d:.2f}"


def _explain(rule: QuotaRule, year: int, actual: Decimal, missing: Decimal, row: dict) -> str:
    req = _fmt(rule.required)
    tail = "，已达标。" if not missing else f"，还差{_fmt(missing)}{rule.unit}。"
    tier = rule.get_min_school_tier_display()
    who = rule.get_category_display()
    if rule.kind == RuleKind.TRAINING_DAYS:
        return f"{who}{year}年须在{tier}参加集中培训不少于{req}天；已认定{_fmt(actual)}天{tail}"
    if rule.kind == RuleKind.ROTATION_CLASS:
        return f"支部书记{year}年须参加集中轮训班不少于{req}期；已参加{_fmt(actual)}期{tail}"
    if rule.kind == RuleKind.FIVE_YEAR_ROTATION:
        last = row.get("last_trained_on")
        last_text = f"最近一次培训：{last:%Y年%m月%d日}" if last else "尚无党校培训记录"
        span = f"{year - rule.window_years + 1}—{year}年"
        return f"党员{rule.window_years}年内须到{tier}培训至少{req}次（{span}）；{last_text}{tail}"
    if rule.kind == RuleKind.QUIZ:
        what = f"测验“{rule.quiz}”" if rule.quiz_id else "测验"
        if rule.quiz_id and rule.required == 1:
            return f"{who}{year}年须通过{what}；{'已通过' if actual else '尚未通过'}{tail}"
        return f"{who}{year}年须通过{what}不少于{req}次；已通过{_fmt(actual)}次{tail}"
    if rule.kind == RuleKind.REFLECTION:
        return f"{who}{year}年须有不少于{req}篇学习心得通过审核；已通过{_fmt(actual)}篇{tail}"
    online = seconds_to_study_hours(row["study_seconds"])
    inperson = Decimal(row["inperson_hours"] or 0)
    return (
        f"依据{ARTICLE_20}，{year}年学习不少于{req}学时；集中培训{_fmt(inperson)}学时 + "
        f"在线学习{_fmt(online)}学时 = {_fmt(actual)}学时{tail}"
    )


# member_actuals runs on every member home and progress page. Its query (a dozen subqueries)
# differs from one member to the next only in the member's id, and building it through the ORM
# costs several times what the database takes to answer it. So the SQL is compiled once per
# database connection, year, day, rule set and hour length — all that annotate_actuals reads —
# with a placeholder id, and kept per process; each call puts the member's id in the
# placeholder's place, and Django's own converters turn the row into what .values() would give.
_PLACEHOLDER_PK = -(2**62)  # no member has it, and no other parameter of the query is negative
_COMPILED_MAX = 64
_compiled: dict[tuple, tuple] = {}


def _compiled_actuals(year: int, today: dt.date, yr: YearRules, using: str) -> tuple:
    from django.db import connections

    connection = connections[using]
    rules = tuple(
        (r.pk, r.category, r.kind, str(r.required), r.min_school_tier, r.window_years, r.quiz_id) for r in yr.rules
    )
    # Each thread has its own connection (and compiler): keyed by it, threads do not evict each other.
    key = (using, id(connection), year, today, yr.at_risk_from, rules, seconds_per_hour())
    entry = _compiled.get(key)
    if entry is None or entry[0].connection is not connection:
        qs = annotate_actuals(Member.objects.using(using).filter(pk=_PLACEHOLDER_PK), year, today, yr)
        qs = qs.values()
        compiler = qs.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = [i for i, p in enumerate(params) if isinstance(p, int) and p == _PLACEHOLDER_PK]
        assert len(slots) == 1, "the member id must be the query's only placeholder parameter"
        query = qs.query
        # The column names as ValuesIterable takes them.
        names = list(query.selected or [*query.extra_select, *query.values_select, *query.annotation_select])
        if len(_compiled) >= _COMPILED_MAX:
            _compiled.clear()
        entry = _compiled[key] = (compiler, sql, tuple(params), slots[0], names)
    return entry


def member_actuals(member: Member | int, year: int, today: dt.date, yr: YearRules, *, using: str = "default") -> dict:
    """What annotate_actuals gives for one member (Member.DoesNotExist if there is none)."""
    pk = member.pk if isinstance(member, Member) else member
    compiler, sql, params, slot, names = _compiled_actuals(year, today, yr, using)
    params = list(params)
    params[slot] = int(pk)
    with compiler.connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        raise Member.DoesNotExist(f"Member {pk} does not exist.")
    row = next(iter(compiler.results_iter(results=[rows])))
    return dict(zip(names, row, strict=True))


def evaluate_member(member: Member | int, year: int, today: dt.date | None = None) -> list[RuleResult]:
    """Each applicable rule kind of `year` for `member`: status, the numbers behind it and
    a Chinese explanation. Where several categories set a rule of the same kind, the kind
    is met only if all are; the result reports the rule missing the most (else the strictest one)."""
    today = today or timezone.localdate()
    yr = year_rules(year)
    row = member_actuals(member, year, today, yr)
    held = {MemberCategory.ORDINARY.value} | {c for c in Member.CATEGORY_FIELDS if row[_cat_field(c)]}
    unmet = unmet_status(year, today, yr.at_risk_from)
    results: list[RuleResult] = []
    for kind in yr.kinds:
        rules = [r for r in yr.of_kind(kind) if r.category in held]
        if not rules:
            continue
        scored = [(r, _actual(r, row)) for r in rules]
        scored.sort(key=lambda ra: -(ra[0].required - ra[1]))
        failing = [(r, a) for r, a in scored if a < r.required]
        rule, actual = (failing or sorted(scored, key=lambda ra: -ra[0].required))[0]
        missing = max(rule.required - actual, ZERO)
        details = {
            "last_trained_on": row["last_trained_on"],
            "inperson_hours": Decimal(row["inperson_hours"] or 0),
            "online_hours": seconds_to_study_hours(row["study_seconds"]),
            "categories": sorted((str(c) for c in held), key=CATEGORY_ORDER.index),
        }
        results.append(
            RuleResult(
                rule=rule,
                status=RuleStatus.MET if not failing else unmet,
                required=rule.required,
                actual=actual,
                missing=missing,
                explanation=_explain(rule, year, actual, missing, row),
                details=details,
            )
        )
    return results
