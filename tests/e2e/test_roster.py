"""Town staff import a member sheet in the browser: upload → preview with errors → fixed
file → confirm → result, then the history lists it."""

import io
from pathlib import Path

import pytest
from django.conf import settings

from lms.members.models import Member
from tests.factories.roster import member_row, sheet_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


def test_staff_import_flow(roles, page, browser_login, live_server, tmp_path, settings):
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet_bytes([member_row(1), member_row(2, 手机号="123")]))
    good = tmp_path / "good.xlsx"
    good.write_bytes(sheet_bytes([member_row(1), member_row(2)]))

    browser_login(page, "staff_a")
    page.goto(f"{live_server.url}/roster/")  # on a phone the nav sits behind the menu button
    page.set_input_files("input[type=file]", str(bad))
    page.click("text=上传并校验")
    page.wait_for_selector("text=错误明细")
    assert page.locator("text=格式不正确").count() == 1
    assert page.locator("text=确认导入").count() == 0

    page.goto(f"{live_server.url}/roster/")
    page.set_input_files("input[type=file]", str(good))
    page.click("text=上传并校验")
    page.click("text=确认导入（新增 2，更新 0）")
    page.wait_for_selector("text=导入结果")
    assert page.locator("#job-status").inner_text() == "已完成"
    assert Member.objects.filter(member_no__in=["M000001", "M000002"]).count() == 2

    page.goto(f"{live_server.url}/roster/jobs/")
    assert page.locator("tbody tr").count() == 2


def test_department_imports_the_good_rows_and_downloads_the_bad_one(
    roles, page, browser_login, live_server, tmp_path, settings
):
    """Issue #14: the department uploads a roster with a bad row, a full-width phone number
    and a totals row; imports the rest; downloads the bad row to fix it."""
    from openpyxl import load_workbook

    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sheet = tmp_path / "花名册.xlsx"
    rows = [
        member_row(1, 手机号="１３９００００１１１１"),
        member_row(2, 入党日期="去年七一"),
        member_row(3),
        {"姓名": "合计", "党员编号": "3人"},
    ]
    sheet.write_bytes(sheet_bytes(rows))

    browser_login(page, "dept")
    page.goto(f"{live_server.url}/roster/")
    page.set_input_files("input[type=file]", str(sheet))
    page.click("text=上传并校验")
    page.wait_for_selector("text=错误明细")
    assert page.locator("text=无法识别的日期").count() == 1
    assert "已跳过 1 行合计/小计行（第 5 行）" in page.locator("#summary-rows").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "roster-preview.png"), full_page=True)
    page.click("text=只导入无误的 2 行")
    page.wait_for_selector("text=导入结果")
    assert page.locator("#job-status").inner_text() == "已完成"
    assert Member.objects.get(member_no="M000001").phone == "13900001111"
    assert Member.objects.filter(member_no="M000003").exists()
    assert not Member.objects.filter(member_no="M000002").exists()
    with page.expect_download() as download:
        page.click("text=下载未导入的行")
    path = download.value.path()
    table = [list(r) for r in load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows(values_only=True)]
    assert [r[0] for r in table[1:]] == [3] and "无法识别的日期" in table[1][-1]
    page.screenshot(path=str(SCREENSHOTS / "roster-result.png"), full_page=True)
