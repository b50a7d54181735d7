"""Town staff import a member sheet in the browser: upload → preview with errors → fixed
file → confirm → result, then the history lists it."""

import pytest

from lms.members.models import Member
from tests.factories.roster import member_row, sheet_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_import_flow(roles, page, browser_login, live_server, tmp_path, settings):
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet_bytes([member_row(1), member_row(2, 手机号="123")]))
    good = tmp_path / "good.xlsx"
    good.write_bytes(sheet_bytes([member_row(1), member_row(2)]))

    browser_login(page, "staff_a")
    page.click("text=花名册")
    page.wait_for_url(f"{live_server.url}/roster/")
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
