"""Issue #14.12: a roster import that helps — full-width input normalised, totals rows
skipped with a notice, the valid rows imported on their own with the rest downloadable,
and a column-mapping form when headers do not match."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from lms.members.models import Member
from lms.roster.models import ImportJob
from lms.roster.services import ImportNotAllowed, import_job_apply, import_job_confirm
from tests.factories.roster import member_row, read_xlsx, sheet_upload

from .helpers import errors_of, preview, run_import

pytestmark = pytest.mark.django_db


def test_full_width_letters_digits_and_spaces_are_normalised(roles):
    rows = [
        member_row(
            1, 党员编号="ＭＡ００１", 手机号="１３８００１３８０００", 入党日期="２０２１－０７－０１", 姓名="张　三"
        ),
        member_row(2, 党员编号="MA002", 人员类别="村两委，支部书记", 性别="男"),
    ]
    job = run_import(roles.town_a_staff, sheet_upload(rows, name="花名册.csv"))
    assert job.status == ImportJob.Status.DONE, (job.message, job.errors)
    m = Member.objects.get(member_no="MA001")
    assert (m.phone, m.join_date, m.name) == ("13800138000", dt.date(2021, 7, 1), "张 三")
    m2 = Member.objects.get(member_no="MA002")
    assert m2.is_village_committee and m2.is_branch_secretary


def test_full_width_brackets_in_branch_names_still_match(roles):
    branch = roles.tree.branch_a
    branch.name = "甲镇一村党支部（东片）"
    branch.save()
    job = run_import(roles.town_a_staff, sheet_upload([member_row(1, 所在支部="甲镇一村党支部(东片)")]))
    assert Member.objects.get(member_no="M000001").branch == branch and job.created_count == 1


def test_summary_rows_are_skipped_with_a_notice(roles, login):
    rows = [member_row(1), member_row(2), {"姓名": "合计", "党员编号": "2人"}, {"姓名": "小 计：", "党员编号": ""}]
    job = run_import(roles.town_a_staff, sheet_upload(rows))
    assert (job.total_rows, job.created_count, job.error_rows) == (2, 2, 0)
    assert job.skipped_summary == [4, 5]
    page = login(roles.town_a_staff).get(f"/roster/jobs/{job.pk}/").content.decode()
    assert "已跳过 2 行合计/小计行（第 4、5 行）" in page


def test_import_the_valid_rows_and_download_the_rest(roles, login):
    rows = [member_row(1), member_row(2, 手机号="123"), member_row(3), member_row(4, 入党日期="去年")]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    assert not job.can_confirm and job.can_confirm_valid and job.valid_rows == 2
    client = login(roles.town_a_staff)
    page = client.get(f"/roster/jobs/{job.pk}/").content.decode()
    assert "只导入无误的 2 行（新增 2，更新 0）" in page
    # All-or-nothing is still refused while errors remain.
    with pytest.raises(ImportNotAllowed):
        import_job_confirm(job=job, user=roles.town_a_staff, run_async=False)
    resp = client.post(f"/roster/jobs/{job.pk}/confirm/", {"mode": "valid_only"})
    assert resp.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.skip_invalid
    job = import_job_apply(job=job)
    assert job.status == ImportJob.Status.DONE, job.message
    assert set(Member.objects.filter(member_no__startswith="M00000").values_list("member_no", flat=True)) == {
        "M000001",
        "M000003",
    }
    assert (job.created_count, job.error_rows) == (2, 2)
    page = client.get(f"/roster/jobs/{job.pk}/").content.decode()
    assert "下载未导入的行" in page and "跳过的有错误的行：2" in page
    resp = client.get(f"/roster/jobs/{job.pk}/errors.xlsx")
    data = b"".join(resp.streaming_content)
    table = read_xlsx(data)
    assert [r[0] for r in table[1:]] == [3, 5]
    # The downloaded workbook, fixed in place, imports as it is (原行号 and 错误说明 are ignored).
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index("手机号") + 1, value="13900000002")
    ws.cell(row=3, column=headers.index("入党日期") + 1, value="2019-07-01")
    buf = io.BytesIO()
    wb.save(buf)
    again = run_import(roles.town_a_staff, SimpleUploadedFile("未导入的行.xlsx", buf.getvalue()))
    assert again.created_count == 2 and set(again.unknown_headers) == {"原行号", "错误说明"}


def test_api_confirms_valid_rows_only(roles, login):
    job = preview(roles.town_a_staff, sheet_upload([member_row(1), member_row(2, 手机号="1")]))
    client = login(roles.town_a_staff)
    resp = client.post(f"/api/v1/roster/imports/{job.pk}/confirm/", {}, content_type="application/json")
    assert resp.status_code == 400 and "只导入无误的行" in resp.content.decode()
    resp = client.post(
        f"/api/v1/roster/imports/{job.pk}/confirm/", {"valid_only": True}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["skip_invalid"] is True


def test_mapping_form_lists_every_column_when_headers_do_not_match(roles, login):
    rows = [{"人名": "张三", "编号": "X1", "组织": "甲镇一村党支部", "入党": "2010-01-01"}]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    assert job.file_errors and not job.can_confirm
    client = login(roles.town_a_staff)
    page = client.get(f"/roster/jobs/{job.pk}/").content.decode()
    assert "列对应关系" in page and "人名" in page and "保存并重新校验" in page
    form = {"col_0": "name", "col_1": "member_no", "col_2": "branch", "col_3": "join_date"}
    client.post(f"/roster/jobs/{job.pk}/mapping/", form)
    job.refresh_from_db()
    from lms.roster.services import import_job_validate

    job = import_job_validate(job=job)
    assert job.file_errors == [] and job.can_confirm, (job.file_errors, errors_of(job))
