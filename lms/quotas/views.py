"""Member progress, the coverage dashboard with drill-down and xlsx export, warnings and
rules pages. Views parse input, check scope, call selectors and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from courses.credit import seconds_to_study_hours
from lms import params
from lms.accounts import policy
from lms.accounts.scope import scope_for, scoped
from lms.members.models import Member, MemberCategory
from lms.organizations.models import PartyOrganization
from lms.schools.models import PartySchool

from . import selectors
from .exports import hours, pct, workbook_response
from .models import QuotaRefresh, RuleKind, RuleStatus, Warning
from .rules import year_rules

STATUS_CSS = {RuleStatus.MET: "ok", RuleStatus.AT_RISK: "warn", RuleStatus.NOT_MET: "bad"}
KIND_LABELS = dict(RuleKind.choices)
STATUS_LABELS = dict(RuleStatus.choices)


def parse_year(request) -> int:
    return params.year(request.GET.get("year"))


def parse_category(request) -> str | None:
    value = request.GET.get("category") or None
    return value if value in MemberCategory.values else None


UNITS_PER_PAGE = 50


def parse_sort(request) -> str:
    value = request.GET.get("sort") or "name"
    return value if value in selectors.UNIT_SORTS else "name"


def _query(request) -> str:
    """The current filters without page/format, for pager and export links."""
    q = request.GET.copy()
    q.pop("page", None)
    q.pop("format", None)
    return q.urlencode()


def _forbidden(request, message: str):
    return HttpResponseForbidden(render_to_string("quotas/denied.html", {"message": message}, request=request))


# --- member progress ---------------------------------------------------------------------------


@login_required
def my_progress(request):
    scope = scope_for(request.user)
    if not scope.member_id:
        return _forbidden(request, "只有党员账号可以查看个人进度。")
    member = Member.objects.select_related("branch__town").get(pk=scope.member_id)
    return _progress(request, member, own=True)


@login_required
def member_progress(request, member_id: int):
    if not policy.is_staff(request.user):
        return _forbidden(request, "您没有查看党员进度的权限。")
    member = get_object_or_404(scoped(Member.objects.select_related("branch__town"), request.user), pk=member_id)
    return _progress(request, member, own=False)


def _progress(request, member, *, own: bool):
    year = parse_year(request)
    ctx = selectors.member_progress_detail(member, year)
    for r in ctx["results"]:
        r.css = STATUS_CSS[r.status]
    ctx.update(own=own, years=range(timezone.localdate().year, timezone.localdate().year - 5, -1))
    return render(request, "quotas/progress.html", ctx)


# --- coverage dashboard --------------------------------------------------------------------------


def _staff_or_403(request):
    if not policy.is_staff(request.user):
        return _forbidden(request, "轮训覆盖仅对党校和组织部工作人员开放。")
    return None


def _drill(request):
    """Level and unit from the query string, checked against the user's scope (a forged id is 404)."""
    level = request.GET.get("level") or "county"
    if level not in selectors.LEVELS:
        raise Http404("未知的层级")
    town = branch = None
    unit_id = params.object_id(request.GET.get("id"), name="id", label="单位 id", default=0)
    if level == "town":
        town = get_object_or_404(scoped(PartySchool.objects.filter(tier="town"), request.user), pk=unit_id)
    elif level == "branch":
        branch = get_object_or_404(
            scoped(PartyOrganization.objects.filter(kind="branch").select_related("town"), request.user), pk=unit_id
        )
        town = branch.town
    return level, town, branch


def _status_cells(row) -> list[tuple[str, str]]:
    out = []
    for name in selectors.STATUS_FIELDS.values():
        value = getattr(row, name)
        out.append((STATUS_LABELS.get(value, "—"), STATUS_CSS.get(value, "")))
    return out


def _month_passed(year: int, month: int) -> bool:
    today = timezone.localdate()
    return (year, month) <= (today.year, today.month)


@login_required
def coverage(request):
    denied = _staff_or_403(request)
    if denied:
        return denied
    user, year, category = request.user, parse_year(request), parse_category(request)
    level, town, branch = _drill(request)
    town_id, branch_id = (town.pk if town else None), (branch.pk if branch else None)
    totals = selectors.coverage_totals(user, year, category, town_id=town_id, branch_id=branch_id)
    sort = parse_sort(request)
    units, page = [], None
    if level == "branch":
        paginator = Paginator(selectors.coverage_members(user, year, branch_id, category), 50)
        page = paginator.get_page(request.GET.get("page"))
        for row in page.object_list:
            row.cells = _status_cells(row)
    else:
        # A town has hundreds of branches: one page of units at a time, cut in the database.
        paginator = Paginator(selectors.coverage_units(user, year, level, town_id, category, sort), UNITS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        units = selectors.with_shares(page.object_list)
    trend = selectors.coverage_trend(
        user, year, category, town_id=town_id, branch_id=branch_id, total=totals["members"]
    )
    class_rows, broken = selectors.classes_compliance(user, year, town_id=town_id)
    chart = {
        "months": [f"{r['month']}月" for r in trend],
        # Months still to come this year have no figures (a gap, not a flat line).
        "share": [round((r["share"] or 0) * 100, 1) if _month_passed(year, r["month"]) else None for r in trend],
        "new": [r["new_trained"] if _month_passed(year, r["month"]) else None for r in trend],
        "units": [u["unit_name"] or "未划分镇街" for u in units],
        "unit_share": [round((u["all_met_share"] or 0) * 100, 1) for u in units],
    }
    ctx = {
        "year": year,
        "category": category or "",
        "categories": MemberCategory.choices,
        "sort": sort,
        "sorts": selectors.UNIT_SORTS.items(),
        "level": level,
        "town": town,
        "branch": branch,
        "totals": totals,
        "kinds": [(k, KIND_LABELS[k]) for k in selectors.STATUS_FIELDS],
        "units": units,
        "page": page,
        "trend": trend,
        "class_rows": class_rows,
        "broken": broken[:20],
        # Member-level warnings are the at-risk counts above; list the unit-level ones here.
        "warnings": selectors.warnings_for(
            user, year=year, kinds=selectors.UNIT_WARNING_KINDS, town_id=town_id, branch_id=branch_id
        )[:10],
        "refresh": QuotaRefresh.objects.filter(year=year).first(),
        "chart": chart,
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "query": _query(request),
    }
    return render(request, "quotas/coverage.html", ctx)


UNIT_HEADERS = ["单位", "党员数", "全部达标人数", "全部达标率", "本年参训人数", "从未参训人数"]


def _unit_row(u: dict) -> list:
    row = [u["unit_name"] or "未划分镇街", u["members"], u["all_met"], pct(u["all_met_share"])]
    row += [u["trained_this_year"], u["never_trained"]]
    for kind in selectors.STATUS_FIELDS:
        row += [u[f"{kind}_applicable"], u[f"{kind}_met"], pct(u[f"{kind}_share"])]
    return row


def _unit_headers() -> list[str]:
    headers = list(UNIT_HEADERS)
    for kind in selectors.STATUS_FIELDS:
        label = KIND_LABELS[kind]
        headers += [f"{label}应考核人数", f"{label}达标人数", f"{label}达标率"]
    return headers


@login_required
def coverage_export(request):
    denied = _staff_or_403(request)
    if denied:
        return denied
    user, year, category = request.user, parse_year(request), parse_category(request)
    level, town, branch = _drill(request)
    town_id, branch_id = (town.pk if town else None), (branch.pk if branch else None)
    name = branch.name if branch else (town.name if town else "全县")
    sheets = []
    if level == "branch":
        rows = []
        for s in selectors.coverage_members(user, year, branch_id, category):
            m = s.member
            rows.append(
                [m.member_no, m.name, s.days_this_year, s.rotation_classes_this_year, hours(s.inperson_hours)]
                + [hours(seconds_to_study_hours(s.study_seconds)), s.last_trained_on or "从未参训"]
                + [STATUS_LABELS.get(getattr(s, f), "不适用") for f in selectors.STATUS_FIELDS.values()]
                + ["是" if s.all_met else "否"]
            )
        headers = ["党员编号", "姓名", "培训天数", "轮训班期数", "集中培训学时", "在线学习学时", "最近培训日期"]
        headers += [KIND_LABELS[k] for k in selectors.STATUS_FIELDS] + ["全部达标"]
        sheets.append(("党员明细", headers, rows))
    else:
        units = selectors.coverage_by_unit(user, year, level, town_id, category, parse_sort(request))
        sheets.append(("镇街汇总" if level == "county" else "支部汇总", _unit_headers(), [_unit_row(u) for u in units]))
    trend = selectors.coverage_trend(user, year, category, town_id=town_id, branch_id=branch_id)
    sheets.append(
        (
            "月度趋势",
            ["月份", "当月新增参训人数", "累计参训人数", "累计参训率"],
            [[f"{r['month']}月", r["new_trained"], r["cumulative"], pct(r["share"])] for r in trend],
        )
    )
    class_rows, broken = selectors.classes_compliance(user, year, town_id=town_id)
    sheets.append(
        (
            "班次5+1+N",
            ["党校", "已发布班次数", "符合5+1+N班次数", "符合率", "草稿待补齐班次数"],
            [
                [r["school_name"], r["classes"], r["compliant"], pct(r["share"]), r["drafts_noncompliant"]]
                for r in class_rows
            ],
        )
    )
    sheets.append(
        (
            "不符合班次",
            ["班次", "党校", "状态", "开班日期", "缺少项目"],
            [
                [c.title, c.school.name, c.get_status_display(), c.start_date, "、".join(c.compliance_missing or [])]
                for c in broken
            ],
        )
    )
    return workbook_response(f"轮训覆盖_{name}_{year}.xlsx", sheets)


# --- warnings and rules ----------------------------------------------------------------------------


@login_required
def warnings(request):
    denied = _staff_or_403(request)
    if denied:
        return denied
    year = parse_year(request)
    qs = selectors.warnings_for(request.user, year=year)
    kind = request.GET.get("kind")
    if kind in Warning.Kind.values:
        qs = qs.filter(kind=kind)
    if request.GET.get("format") == "xlsx":
        rows = [
            [
                w.get_kind_display(),
                w.title,
                w.detail,
                str(w.town or ""),
                str(w.branch or ""),
                timezone.localtime(w.updated_at),
            ]
            for w in qs[:20000]
        ]
        return workbook_response(
            f"预警_{year}.xlsx", [("预警", ["类型", "标题", "说明", "镇街", "支部", "更新时间"], rows)]
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "quotas/warnings.html",
        {
            "page": page,
            "year": year,
            "kind": kind or "",
            "kinds": Warning.Kind.choices,
            "query": _query(request),
        },
    )


@login_required
def rules_open_year(request):
    """Department staff open a year (copying the previous year's rules, else the defaults)."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from .services import quota_year_open

    scope = scope_for(request.user)
    if request.method != "POST" or not (scope.can_manage_pool or scope.is_all):
        return _forbidden(request, "只有组织部工作人员可以开启年度指标。")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    if not 2000 <= year <= timezone.localdate().year + 1:
        messages.error(request, "年度不正确。")
        return redirect("quotas:rules")
    try:
        quota_year_open(year=year, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已开启{year}年度指标。")
    return redirect(f"{reverse('quotas:rules')}?year={year}")


@login_required
def rules(request):
    year = parse_year(request)
    yr = year_rules(year)
    return render(
        request,
        "quotas/rules.html",
        {
            "yr": yr,
            "year": year,
            "next_year": timezone.localdate().year + 1,
            "can_edit": policy.may_manage_pool(request.user),
        },
    )
