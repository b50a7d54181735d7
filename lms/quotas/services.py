"""Writes for quotas: opening a year's rules, editing a rule, rebuilding the yearly summary.
Category changes and branch moves are written by lms.members.services."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from lms.audit.services import audit_record
from lms.members.models import Member

# Member history writes belong to lms.members; still importable from here.
from lms.members.services import member_branch_move, member_category_set  # noqa: F401

from .models import DEFAULT_WARNING_SHARE, MemberYearStatus, QuotaRefresh, QuotaRule, QuotaYear, RuleKind
from .rules import default_rules


@transaction.atomic
def quota_year_open(*, year: int, copy_from: int | None = None, actor=None) -> QuotaYear:
    """Open `year` with the rules of `copy_from` (default: the previous year if it was
    opened, else the defaults from the sources). Idempotent: an opened year is returned as is."""
    existing = QuotaYear.objects.filter(year=year).first()
    if existing is not None:
        return existing
    source_year = copy_from if copy_from is not None else year - 1
    source = QuotaYear.objects.filter(year=source_year).first()
    if copy_from is not None and source is None:
        raise ValidationError(f"{copy_from}年度尚未设置指标，无法复制。")
    at_risk_from = dt.date(year, 10, 1)
    if source is not None:
        at_risk_from = source.at_risk_from.replace(year=year)
    qyear = QuotaYear(
        year=year,
        at_risk_from=at_risk_from,
        coverage_warning_share=source.coverage_warning_share if source else DEFAULT_WARNING_SHARE,
    )
    qyear.full_clean()
    qyear.save()
    if source is not None:
        rules = [
            QuotaRule(
                year=year,
                category=r.category,
                kind=r.kind,
                required=r.required,
                min_school_tier=r.min_school_tier,
                window_years=r.window_years,
                quiz_id=r.quiz_id,
                source=r.source,
            )
            for r in QuotaRule.objects.filter(year=source.year)
        ]
    else:
        rules = default_rules(year)
    QuotaRule.objects.bulk_create(rules)
    if actor is not None:
        audit_record(actor=actor, action="quota_year_open", obj=qyear, summary=f"开启{year}年度指标")
    return qyear


ADDABLE_KINDS = (RuleKind.QUIZ, RuleKind.REFLECTION)


@transaction.atomic
def quota_rule_add(
    *, year: int, category: str, kind: str, required: Decimal, actor, quiz=None, source: str = ""
) -> QuotaRule:
    """Add a quiz or reflection rule to an opened year (the other kinds come with the year and
    are changed with quota_rule_update). One rule per year, category and kind."""
    if kind not in ADDABLE_KINDS:
        raise ValidationError({"kind": "只能新增“通过测验”或“学习心得”指标；其他指标随年度开启，可直接修改。"})
    if not QuotaYear.objects.filter(year=year).exists():
        raise ValidationError({"year": f"请先开启{year}年度指标。"})
    if QuotaRule.objects.filter(year=year, category=category, kind=kind).exists():
        raise ValidationError("该年度该类别已有同类指标，请直接修改。")
    if quiz is not None and not quiz.is_active:
        raise ValidationError({"quiz": "该测验已停用。"})
    rule = QuotaRule(year=year, category=category, kind=kind, required=required, quiz=quiz, source=source)
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action="quota_rule_add", obj=rule, summary=f"新增指标：{rule}")
    return rule


@transaction.atomic
def quota_rule_update(
    *,
    rule: QuotaRule,
    actor,
    required: Decimal | None = None,
    min_school_tier: str | None = None,
    window_years: int | None = None,
) -> QuotaRule:
    changes = {}
    for name, value in (("required", required), ("min_school_tier", min_school_tier), ("window_years", window_years)):
        if value is not None and getattr(rule, name) != value:
            changes[name] = [str(getattr(rule, name)), str(value)]
            setattr(rule, name, value)
    if not changes:
        return rule
    rule.full_clean()
    rule.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=actor, action="quota_rule_update", obj=rule, summary=f"修改指标：{rule}", changes=changes)
    return rule


ACTUAL_COLUMNS = [
    # summary columns filled from annotate_actuals (same names), plus the anchors
    "cat_village_committee",
    "cat_branch_secretary",
    "cat_mobile",
    "days_this_year",
    "rotation_classes_this_year",
    "window_days_5y",
    "inperson_hours",
    "study_seconds",
    "study_hours_total",
    "last_trained_on",
    "first_trained_on",
]
STATUS_COLUMNS = [
    "status_training_days",
    "status_rotation_class",
    "status_five_year_rotation",
    "status_study_hours",
    "status_quiz",
    "status_reflection",
]


def _insert_select(qs, columns: list[tuple[str, str]]) -> int:
    """INSERT INTO the summary (columns) SELECT the queryset's expressions, in one statement."""
    qs = qs.values_list(*[expr for _, expr in columns]).order_by()
    sql, params = qs.query.sql_with_params()
    compiler = qs.query.get_compiler(connection=connection)
    compiler.setup_query()
    selected = [alias for _, _, alias in compiler.select]
    if selected != [expr for _, expr in columns]:  # pragma: no cover - guards the column order
        raise RuntimeError(f"汇总列顺序不一致: {selected}")
    table = MemberYearStatus._meta.db_table
    names = ", ".join(connection.ops.quote_name(c) for c, _ in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)
        return cursor.rowcount


def quota_status_refresh(*, year: int, today: dt.date | None = None, members=None) -> int:
    """Rebuild the MemberYearStatus rows of `year` (no rows travel through Python); with
    `members` (a queryset) only theirs, leaving the year's full-refresh record alone.

    Fast path (the rules only count the standard tier and 5-year window, as the defaults
    do): one INSERT … SELECT of the actuals, each subquery evaluated once per member, then
    one UPDATE applying the rules' own status expressions (lms.quotas.rules) to the
    summary columns, which carry the same names. Otherwise: one INSERT … SELECT of
    members_with_quota_status. Both give what evaluate_member gives (tested)."""
    from django.db.models import BooleanField, Case, DateTimeField, F, IntegerField, Q, Value, When

    from .rules import (
        annotate_actuals,
        days_field,
        kind_applicable_q,
        kind_met_q,
        kind_status_expression,
        window_field,
        year_rules,
    )
    from .selectors import members_with_quota_status

    started = time.monotonic()
    now = timezone.now()
    today = today or timezone.localdate()
    yr = year_rules(year)
    base = (members if members is not None else Member.objects.filter(is_active=True)).order_by()
    anchors = {
        "s_member": F("pk"),
        "s_year": Value(year, output_field=IntegerField()),
        "s_branch": F("branch_id"),
        "s_town": F("branch__town_id"),
        "s_refreshed_at": Value(now, output_field=DateTimeField()),
    }
    head = [("member_id", "s_member"), ("year", "s_year"), ("branch_id", "s_branch"), ("town_id", "s_town")]
    tail = [("refreshed_at", "s_refreshed_at")]
    # Quiz and reflection rules count what the summary has no column for: the general path.
    standard = (
        all(days_field(r) == "days_this_year" for r in yr.of_kind("training_days"))
        and all(window_field(r) == "window_days_5y" for r in yr.of_kind("five_year_rotation"))
        and not yr.of_kind("quiz")
        and not yr.of_kind("reflection")
    )
    with transaction.atomic():
        stale = MemberYearStatus.objects.filter(year=year)
        if members is not None:
            stale = stale.filter(member__in=base.values("pk"))
        stale._raw_delete(stale.db)
        if standard:
            blanks = {f"s_{c}": Value("") for c in STATUS_COLUMNS}
            qs = annotate_actuals(base, year, today, yr).annotate(
                **anchors, **blanks, s_all_met=Value(False, output_field=BooleanField())
            )
            placeholders = [(c, f"s_{c}") for c in STATUS_COLUMNS] + [("all_met", "s_all_met")]
            count = _insert_select(qs, head + [(c, c) for c in ACTUAL_COLUMNS] + placeholders + tail)
            rows = MemberYearStatus.objects.filter(year=year, refreshed_at=now)
            updates = {}
            for kind, column in zip(
                ("training_days", "rotation_class", "five_year_rotation", "study_hours", "quiz", "reflection"),
                STATUS_COLUMNS,
                strict=True,
            ):
                updates[column] = kind_status_expression(yr, kind, today) if yr.of_kind(kind) else Value("")
            met = Q()
            for kind in yr.kinds:
                met &= kind_met_q(yr, kind) | ~kind_applicable_q(yr, kind)
            updates["all_met"] = Case(When(met, then=True), default=False)
            rows.update(**updates)
        else:
            qs = members_with_quota_status(base, year, today).annotate(**anchors)
            columns = [(c, c) for c in ACTUAL_COLUMNS + STATUS_COLUMNS + ["all_met"]]
            count = _insert_select(qs, head + columns + tail)
        if members is None:
            QuotaRefresh.objects.update_or_create(
                year=year,
                defaults={"refreshed_at": now, "members": max(count, 0), "seconds": time.monotonic() - started},
            )
    return count


# How long a member's new credited day or study seconds may wait before their status row is
# rebuilt; repeated touches inside the window (heartbeats every few seconds) share one task.
TOUCH_DELAY_SECONDS = 30
TOUCH_CHUNK = 500


def quota_members_touch(*, member_ids) -> None:
    """Refresh these members' yearly status shortly after the current transaction commits
    (lms.quotas.tasks.quota_members_refresh through Celery). Called by the writes that change
    what the rules count: credited training days and online study days. The same facts earn
    study points, so their points are synced too (lms.points). The periodic full refresh (and
    the nightly points sweep) stay the safety net for anything written another way."""
    from django.core.cache import cache

    ids = sorted({int(i) for i in member_ids})
    if not ids:
        return

    def enqueue() -> None:
        from lms.points.tasks import points_members_sync_task

        from .tasks import quota_members_refresh

        due = [i for i in ids if cache.add(f"quotas:touch:{i}", 1, TOUCH_DELAY_SECONDS)]
        for start in range(0, len(due), TOUCH_CHUNK):
            quota_members_refresh.apply_async(args=[due[start : start + TOUCH_CHUNK]], countdown=TOUCH_DELAY_SECONDS)
            # Points are earned from the same facts (completed lessons, credited days, study days).
            points_members_sync_task.apply_async(args=[due[start : start + TOUCH_CHUNK]], countdown=TOUCH_DELAY_SECONDS)

    transaction.on_commit(enqueue)


def quota_members_refresh_now(*, member_ids, year: int, today: dt.date | None = None) -> int:
    """Rebuild these members' status rows and resolve the at-risk warnings of those now on
    track (new warnings are raised by the periodic warnings_compute only)."""
    from .models import Warning

    today = today or timezone.localdate()
    ids = list(member_ids)
    count = quota_status_refresh(year=year, today=today, members=Member.objects.filter(pk__in=ids, is_active=True))
    on_track = MemberYearStatus.objects.filter(year=year, member_id__in=ids, all_met=True).values("member_id")
    Warning.objects.filter(
        kind=Warning.Kind.MEMBER_AT_RISK, year=year, member_id__in=on_track, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
    return count


# --- warnings (预警) ----------------------------------------------------------------------------

WARNING_URL = "/progress/warnings/"


def _upsert_warnings(kind: str, year: int, objs: list, now) -> None:
    """Insert or refresh `objs` (keys unique) and resolve the kind's other active warnings."""
    from .models import Warning

    for o in objs:
        o.kind, o.year, o.resolved_at = kind, year, None
    Warning.objects.bulk_create(
        objs,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["title", "detail", "share", "member", "branch", "town", "resolved_at", "updated_at"],
    )
    # Rows written above got updated_at >= now (auto_now); older active ones no longer hold.
    Warning.objects.filter(kind=kind, year=year, resolved_at__isnull=True, updated_at__lt=now).update(resolved_at=now)


def warnings_compute(*, year: int, today: dt.date | None = None, notify: bool = True) -> dict[str, int]:
    """Recompute the warnings of `year` from the summary (run quota_status_refresh first):
    members at risk and low-coverage branches/towns while the year is running out, and
    published classes that broke the 5+1+N template. Idempotent: keyed rows are refreshed,
    warnings that no longer hold are resolved. Then notify staff (weekly digest per kind,
    scoped) and members at risk (their own reminder)."""
    from django.db.models import Count, Q

    from lms.training.models import TrainingClass

    from .models import MemberYearStatus, RuleStatus, Warning
    from .rules import unmet_status, year_rules

    today = today or timezone.localdate()
    now = timezone.now()
    yr = year_rules(year)
    running_out = unmet_status(year, today, yr.at_risk_from) == RuleStatus.AT_RISK
    rows = MemberYearStatus.objects.filter(year=year)
    labels = {
        "status_training_days": "集中培训天数",
        "status_rotation_class": "支部书记轮训",
        "status_five_year_rotation": "五年一轮训",
        "status_study_hours": "年度学时",
        "status_quiz": "测验",
        "status_reflection": "学习心得",
    }
    at_risk_q = Q()
    for name in labels:
        at_risk_q |= Q(**{name: RuleStatus.AT_RISK})
    counts: dict[str, int] = {}

    members: list[Warning] = []
    if running_out:
        for r in rows.filter(at_risk_q).values("member_id", "member__name", "branch_id", "town_id", *labels):
            missing = "、".join(label for name, label in labels.items() if r[name] == RuleStatus.AT_RISK)
            members.append(
                Warning(
                    key=f"member_at_risk:{year}:{r['member_id']}",
                    title=f"{r['member__name']}：{year}年{missing}尚未达标",
                    detail=f"临近年底仍未达标的指标：{missing}。",
                    member_id=r["member_id"],
                    branch_id=r["branch_id"],
                    town_id=r["town_id"],
                )
            )
    _upsert_warnings(Warning.Kind.MEMBER_AT_RISK, year, members, now)
    counts["member_at_risk"] = len(members)

    share_line = yr.coverage_warning_share
    for kind, group, key_field in (
        (Warning.Kind.BRANCH_LOW_COVERAGE, ("branch_id", "branch__name", "town_id"), "branch_id"),
        (Warning.Kind.TOWN_LOW_COVERAGE, ("town_id", "town__name"), "town_id"),
    ):
        objs: list[Warning] = []
        if running_out:
            grouped = (
                rows.filter(town_id__isnull=False)
                .values(*group)
                .annotate(n=Count("id"), met=Count("id", filter=Q(all_met=True)))
                .order_by()
            )
            for g in grouped:
                share = Decimal(g["met"]) / Decimal(g["n"])
                if share >= share_line:
                    continue
                name = g.get("branch__name") or g.get("town__name")
                objs.append(
                    Warning(
                        key=f"{kind}:{year}:{g[key_field]}",
                        title=f"{name}{year}年达标率{share:.0%}，低于预警线{share_line:.0%}",
                        detail=f"在册党员{g['n']}人，全部指标达标{g['met']}人。",
                        branch_id=g.get("branch_id"),
                        town_id=g["town_id"],
                        share=share.quantize(Decimal("0.0001")),
                    )
                )
        _upsert_warnings(kind, year, objs, now)
        counts[str(kind.value)] = len(objs)

    classes: list[Warning] = []
    for c in TrainingClass.objects.filter(
        start_date__year=year, status=TrainingClass.Status.PUBLISHED, is_compliant=False
    ).select_related("school"):
        missing = "、".join(c.compliance_missing or []) or "未通过检查"
        classes.append(
            Warning(
                key=f"class_template:{c.pk}",
                title=f"班次“{c.title}”不符合“5+1+N”要求",
                detail=f"{c.school}，{c.start_date:%Y-%m-%d}开班；缺少：{missing}。",
                training_class=c,
                town_id=c.school_id if c.school.tier == "town" else None,
            )
        )
    _upsert_warnings(Warning.Kind.CLASS_TEMPLATE, year, classes, now)
    counts["class_template"] = len(classes)
    if notify:
        counts["notifications"] = warnings_notify(year=year, today=today)
    return counts


def warnings_notify(*, year: int, today: dt.date) -> int:
    """A weekly digest per warning kind to every staff user who can see such warnings (the
    scope decides: town school staff their town, departments their subtree), and each
    at-risk member's own reminder. notification_send is idempotent by key."""
    from django.db.models import Count

    from lms.accounts.models import StaffAssignment, User
    from lms.notifications.services import notification_send

    from .models import Warning
    from .selectors import warnings_for

    week = today.isocalendar().week
    sent = 0
    staff_ids = StaffAssignment.objects.values("user_id").distinct()
    for user in User.objects.filter(pk__in=staff_ids, is_active=True):
        per_kind = warnings_for(user, year=year).order_by().values("kind").annotate(n=Count("id"))
        for row in per_kind:
            label = Warning.Kind(row["kind"]).label
            notification_send(
                user=user,
                kind="quota_warning",
                title=f"{year}年预警：{label} {row['n']}项",
                body=f"截至{today:%Y年%m月%d日}，您负责的范围内有{row['n']}项“{label}”预警，请及时处理。",
                key=f"quotas:{row['kind']}:{year}:w{week}",
                url=f"{WARNING_URL}?year={year}&kind={row['kind']}",
            )
            sent += 1
    at_risk = Warning.objects.filter(
        kind=Warning.Kind.MEMBER_AT_RISK, year=year, resolved_at__isnull=True, member__user__isnull=False
    ).select_related("member__user")
    for w in at_risk:
        notification_send(
            user=w.member.user,
            kind="quota_reminder",
            title=f"提醒：您{year}年的学习培训指标尚未完成",
            body=w.detail + "请查看“我的进度”，报名近期班次或在线学习。",
            key=f"quotas:member_at_risk:{year}",
            url="/progress/me/",
        )
        sent += 1
    return sent
