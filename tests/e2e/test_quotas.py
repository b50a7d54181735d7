"""A department user drills from the county to a branch to a member and downloads the xlsx."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.e2e.ui import nav_click
from tests.factories.quotas import hand_computed_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(roles):
    return hand_computed_data(roles)


def test_department_drills_down_and_exports(data, roles, page, live_server, browser_login):
    browser_login(page, "dept")
    nav_click(page, "轮训覆盖")
    page.wait_for_url("**/progress/coverage/")
    page.select_option("select[name=year]", "2025")
    page.click("text=筛选")
    page.wait_for_url("**year=2025**")
    assert "9" in page.inner_text("[data-figure=members]")
    page.wait_for_function("document.querySelector('#trend-chart canvas') !== null")  # ECharts drew
    page.click("#units >> text=甲镇党校")
    page.wait_for_url("**level=town**")
    assert "甲镇二村党支部" in page.inner_text("#units")
    assert "5" == page.inner_text("[data-figure=members]")
    page.click("#units >> text=甲镇二村党支部")
    page.wait_for_url("**level=branch**")
    members = page.inner_text("#members")
    assert "a3" in members and "a4" in members and "有未达标风险" in members
    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx") and "甲镇二村党支部" in download.suggested_filename
    wb = load_workbook(BytesIO(open(download.path(), "rb").read()))
    rows = {r[1]: r for r in wb["党员明细"].iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"a3", "a4"}
    page.click("#members >> text=a3")
    page.wait_for_url("**/progress/members/**")
    text = page.inner_text("main")
    assert "a3 · 学习培训进度" in text and "还差1天" in text
