"""Dashboard figures against a hand-computed data set, scoping, xlsx content, query counts."""

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from lms.members.models import MemberCategory
from lms.quotas.models import MemberYearStatus, RuleStatus
from lms.quotas.selectors import coverage_by_unit, coverage_totals, coverage_trend
from tests.factories.quotas import make_class, study

pytestmark = pytest.mark.django_db
D = dt.date


def test_refresh_matches_hand_computed_statuses(data):
    s = {r.member.name: r for r in MemberYearStatus.objects.filter(year=2025).select_related("member")}
    assert s["a1"].status_training_days == RuleStatus.MET and s["a1"].status_study_hours == RuleStatus.MET
    assert s["a1"].all_met
    assert s["a2"].status_five_year_rotation == RuleStatus.AT_RISK and s["a2"].last_trained_on == D(2018, 5, 5)
    assert s["a3"].status_training_days == RuleStatus.AT_RISK and s["a3"].cat_village_committee
    assert s["a4"].status_rotation_class == RuleStatus.MET and s["a4"].status_study_hours == RuleStatus.MET
    assert s["a4"].inperson_hours == 32 and s["a4"].days_this_year == 2
    assert s["b1"].all_met and s["b1"].status_rotation_class == ""
    assert s["b3"].town_id == data["b3"].branch.town_id and s["b3"].status_training_days == RuleStatus.MET


def test_county_figures(data, roles):
    totals = coverage_totals(roles.department, 2025)
    assert totals["members"] == 9
    assert totals["all_met"] == 3  # a1, a4, b1
    assert totals["never_trained"] == 3  # member_a, member_b, b2
    assert totals["trained_this_year"] == 5  # a1, a3, a4, b1, b3
    assert totals["training_days_met"] == 4 and totals["training_days_at_risk"] == 5  # a3 needs 2 days
    assert totals["rotation_class_applicable"] == 1 and totals["rotation_class_met"] == 1
    assert totals["five_year_rotation_met"] == 5
    assert totals["study_hours_met"] == 3  # a1 (32 online), a4 (32 in person), b1
    units = {u["unit_name"]: u for u in coverage_by_unit(roles.department, 2025, "county")}
    assert units["甲镇党校"]["members"] == 5 and units["甲镇党校"]["all_met"] == 2
    assert units["乙镇党校"]["members"] == 4 and units["乙镇党校"]["all_met"] == 1
    assert units["甲镇党校"]["all_met_share"] == 0.4
    branches = {u["unit_name"]: u for u in coverage_by_unit(roles.department, 2025, "town", roles.tree.town_a.pk)}
    assert branches["甲镇二村党支部"]["members"] == 2 and branches["甲镇一村党支部"]["members"] == 3


def test_category_filter_and_trend(data, roles):
    totals = coverage_totals(roles.department, 2025, MemberCategory.VILLAGE_COMMITTEE)
    assert totals["members"] == 1 and totals["all_met"] == 0
    trend = {r["month"]: r for r in coverage_trend(roles.department, 2025)}
    assert trend[2]["new_trained"] == 1 and trend[3]["cumulative"] == 2
    assert trend[7]["cumulative"] == 5 and trend[12]["cumulative"] == 5
    assert trend[12]["share"] == round(5 / 9, 4)


def test_town_staff_sees_only_their_town(data, roles):
    assert coverage_totals(roles.town_a_staff, 2025)["members"] == 5
    assert coverage_totals(roles.town_b_staff, 2025)["members"] == 4
    assert coverage_totals(roles.department_a, 2025)["members"] == 5
    assert coverage_totals(roles.member_a_user, 2025)["members"] == 1  # the member's own row only
    assert coverage_totals(roles.nobody, 2025)["members"] == 0
    units = coverage_by_unit(roles.town_b_staff, 2025, "county")
    assert [u["unit_name"] for u in units] == ["乙镇党校"]


def test_dashboard_drill_down_pages(data, roles, login, django_assert_max_num_queries):
    c = login(roles.department)
    with django_assert_max_num_queries(24):
        r = c.get("/progress/coverage/?year=2025")
    assert r.status_code == 200
    html = r.content.decode()
    assert "甲镇党校" in html and "乙镇党校" in html and "乙镇不合规班" in html
    r = c.get(f"/progress/coverage/?year=2025&level=town&id={roles.tree.town_a.pk}")
    assert "甲镇二村党支部" in r.content.decode()
    with django_assert_max_num_queries(24):
        r = c.get(f"/progress/coverage/?year=2025&level=branch&id={data['branch_a2'].pk}")
    html = r.content.decode()
    assert "a3" in html and "a4" in html and "有未达标风险" in html
    r = c.get(f"/progress/members/{data['a3'].pk}/?year=2025")
    assert r.status_code == 200 and "还差" in r.content.decode()


def test_town_staff_cannot_drill_into_other_town(data, roles, login):
    c = login(roles.town_a_staff)
    assert c.get(f"/progress/coverage/?level=town&id={roles.tree.town_b.pk}").status_code == 404
    assert c.get(f"/progress/coverage/?level=branch&id={roles.tree.branch_b.pk}").status_code == 404
    assert c.get(f"/progress/members/{data['b1'].pk}/").status_code == 404
    assert c.get("/progress/coverage/?level=town&id=abc").status_code == 400  # malformed, like the API
    assert c.get("/progress/coverage/?level=planet").status_code == 404
    html = c.get("/progress/coverage/?year=2025").content.decode()
    assert "甲镇党校" in html and "乙镇党校" not in html
    m = login(roles.member_a_user)
    assert m.get("/progress/coverage/").status_code == 403
    assert m.get(f"/progress/members/{data['a1'].pk}/").status_code == 403


def test_xlsx_export_content(data, roles, login):
    c = login(roles.department)
    r = c.get("/progress/coverage/export.xlsx?year=2025")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == ["镇街汇总", "月度趋势", "班次5+1+N", "不符合班次"]
    ws = wb["镇街汇总"]
    assert [c.value for c in ws[1]][:4] == ["单位", "党员数", "全部达标人数", "全部达标率"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["甲镇党校"][1:4] == (5, 2, 0.4)  # a number cell shown as 40.0%
    assert ws.cell(row=2, column=4).number_format == "0.0%"
    assert {row[0] for row in wb["不符合班次"].iter_rows(min_row=2, values_only=True)} >= {"乙镇不合规班"}
    r = c.get(f"/progress/coverage/export.xlsx?year=2025&level=branch&id={data['branch_a2'].pk}")
    ws = load_workbook(BytesIO(r.content))["党员明细"]
    assert [c.value for c in ws[1]][:3] == ["党员编号", "姓名", "培训天数"]
    names = {row[1]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert set(names) == {"a3", "a4"} and names["a4"][2] == 2
    # another town's staff exporting a forged branch gets nothing
    assert (
        login(roles.town_b_staff)
        .get(f"/progress/coverage/export.xlsx?level=branch&id={data['branch_a2'].pk}")
        .status_code
        == 404
    )


def test_member_sees_only_own_progress(data, roles, login, django_assert_max_num_queries):
    study(roles.member_a, D(2025, 3, 1), 2700 * 3)
    c = login(roles.member_a_user)
    with django_assert_max_num_queries(16):
        r = c.get("/progress/me/?year=2025")
    assert r.status_code == 200
    html = r.content.decode()
    assert "我的进度" in html and "3" in html and "还差" in html
    assert c.get(f"/progress/members/{data['a1'].pk}/").status_code == 403
    r = c.get("/progress/me/?year=abc")
    assert r.status_code == 400  # like the API (lms.params)
    assert login(roles.town_a_staff).get("/progress/me/").status_code == 403


def test_upcoming_classes_suggested_on_progress_page(roles, login):
    future = make_class(roles.tree.town_a, D(2099, 3, 1), title="甲镇未来班")
    make_class(roles.tree.town_b, D(2099, 3, 1), title="乙镇未来班")
    make_class(roles.tree.town_a, D(2099, 3, 1), title="书记专班", audiences=["branch_secretary"])
    html = login(roles.member_a_user).get("/progress/me/").content.decode()
    assert future.title in html and "乙镇未来班" not in html and "书记专班" not in html


@pytest.fixture
def many_branches(data, roles):
    """55 more branches in town A (one member each, never trained), so the town level has 57
    branch rows: more than one page."""
    from lms.quotas.services import quota_status_refresh
    from tests.factories import MemberFactory
    from tests.factories.foundation import make_branch
    from tests.factories.quotas import TODAY

    for i in range(55):
        MemberFactory(branch=make_branch(roles.tree.committee_a, roles.tree.town_a, name=f"甲镇新村{i:02d}党支部"))
    quota_status_refresh(year=2025, today=TODAY)
    return roles.tree.town_a


def test_town_level_units_paginate_in_the_database(many_branches, roles, login, django_assert_max_num_queries):
    c = login(roles.department)
    url = f"/progress/coverage/?year=2025&level=town&id={many_branches.pk}"
    with django_assert_max_num_queries(26):
        html = c.get(url).content.decode()
    assert html.count('href="?level=branch&') == 50 and "第 1 / 2 页，共 57 条" in html
    html = c.get(url + "&page=2").content.decode()
    assert html.count('href="?level=branch&') == 7 and "第 2 / 2 页" in html
    # lagging first: the never-trained new branches (0%) come before 甲镇一村 (a1 all met)
    html = c.get(url + "&sort=lagging&page=2").content.decode()
    assert "甲镇一村党支部" in html or "甲镇二村党支部" in html
    first = c.get(url + "&sort=lagging").content.decode()
    assert "甲镇一村党支部" not in first and "甲镇新村00党支部" in first
    # an unknown sort falls back to names; the xlsx still holds every branch
    assert c.get(url + "&sort=drop%20table").status_code == 200
    wb = load_workbook(
        BytesIO(c.get(f"/progress/coverage/export.xlsx?year=2025&level=town&id={many_branches.pk}").content)
    )
    assert wb["支部汇总"].max_row == 1 + 57


def test_coverage_api_pages_unit_rows(many_branches, roles, login):
    c = login(roles.department)
    base = f"/api/v1/quotas/coverage/?year=2025&level=town&parent={many_branches.pk}"
    body = c.get(base).json()
    assert body["rows_count"] == 57 and len(body["rows"]) == 50
    assert len(c.get(base + "&page=2").json()["rows"]) == 7
    lagging = c.get(base + "&sort=lagging").json()["rows"]
    shares = [r["all_met_share"] for r in lagging]
    assert shares == sorted(shares) and shares[0] == 0
    r = c.get(base + "&sort=best")
    assert r.status_code == 400 and "排序" in str(r.json()["sort"])
