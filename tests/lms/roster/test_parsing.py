import datetime as dt

import pytest
from openpyxl import Workbook

from lms.roster import values as v
from lms.roster.parsing import FileUnreadable, open_table


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-07-01", dt.date(2021, 7, 1)),
        ("2021/7/1", dt.date(2021, 7, 1)),
        ("2021年7月1日", dt.date(2021, 7, 1)),
        ("2021.07.01", dt.date(2021, 7, 1)),
        (dt.datetime(2021, 7, 1, 0, 0), dt.date(2021, 7, 1)),
        (44378, dt.date(2021, 7, 1)),
        (20210701, dt.date(2021, 7, 1)),
        ("2021-07-01 00:00:00", dt.date(2021, 7, 1)),
    ],
)
def test_dates(raw, expected):
    assert v.parse_date(raw, today=dt.date(2026, 1, 1)) == expected


@pytest.mark.parametrize("raw", ["2021-13-01", "七一", "1900-01-01", "2030-01-01"])
def test_bad_dates(raw):
    with pytest.raises(v.BadValue):
        v.parse_date(raw, today=dt.date(2026, 1, 1))


def test_phone_and_categories():
    assert v.parse_phone("138 0013 8000") == "13800138000"
    assert v.parse_phone(13800138000.0) == "13800138000"
    assert v.parse_phone("+8613800138000") == "13800138000"
    for bad in ("1380013800", "12800138000", "138001380001", "0531-1234567"):
        with pytest.raises(v.BadValue):
            v.parse_phone(bad)
    flags = v.parse_categories("村“两委”成员，支部书记/流动党员")
    assert flags == {"is_village_committee": True, "is_branch_secretary": True, "is_mobile": True}
    assert v.format_categories(**flags) == "村两委、支部书记、流动党员"
    assert v.parse_categories("") == v.parse_categories("普通党员") == dict.fromkeys(v.CATEGORY_FIELDS, False)
    assert v.format_categories(**v.parse_categories("普通党员")) == "普通党员"


def _xlsx(path, rows, write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_rows_with_and_without_dimension_record(tmp_path, write_only):
    path = tmp_path / "a.xlsx"
    rows = [["党员花名册"], ["姓名", "党员编号", "入党日期"], *[[f"n{i}", f"M{i}", "2020-01-01"] for i in range(300)]]
    _xlsx(path, rows, write_only)
    with open_table(path, "members") as table:
        assert table.headers == ["姓名", "党员编号", "入党日期"] and table.header_row == 2
        got = list(table.rows)
        assert 200 <= table.total_rows <= 450  # exact with a dimension record, estimated without
    assert len(got) == 300 and got[0] == (3, ["n0", "M0", "2020-01-01"])


def test_unreadable_files(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FileUnreadable, match="无法读取"), open_table(bad, "members"):
        pass
    with pytest.raises(FileUnreadable, match="xls"), open_table(tmp_path / "x.xls", "members"):
        pass


def test_fast_sheet_reader_decodes_like_openpyxl(tmp_path):
    from openpyxl import load_workbook

    from lms.roster.parsing import _sheet_rows

    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "党员编号", "入党日期", "数", "布尔"])
    ws.append(["张三", 12345, dt.datetime(2021, 7, 1), 3.5, True])
    ws.append(["李四", "00123", dt.date(2020, 1, 2), None, False])
    ws["G3"] = "远处的单元格"
    path = tmp_path / "types.xlsx"
    wb.save(path)
    ro = load_workbook(path, read_only=True, data_only=True)
    ours = [values for _, values in _sheet_rows(ro.worksheets[0])]
    theirs = [list(r) for r in ro.worksheets[0].iter_rows(values_only=True)]
    assert [t[: len(o)] for o, t in zip(ours, theirs, strict=True)] == ours
    assert ours[2] == ["李四", "00123", dt.datetime(2020, 1, 2), None, False, None, "远处的单元格"]
