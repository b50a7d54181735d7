"""Roster sheets built in memory, as departments send them: .xlsx or .csv (UTF-8 or GBK)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

MEMBER_HEADERS = ["姓名", "党员编号", "所在支部", "人员类别", "入党日期", "手机号"]


def member_row(n: int = 1, branch: str = "甲镇一村党支部", **overrides) -> dict:
    row = {
        "姓名": f"导入党员{n}",
        "党员编号": f"M{n:06d}",
        "所在支部": branch,
        "人员类别": "普通党员",
        "入党日期": "2015-07-01",
        "手机号": f"138{n:08d}",
    }
    row.update(overrides)
    return row


def sheet_bytes(
    rows: list[dict],
    *,
    headers: list[str] | None = None,
    fmt: str = "xlsx",
    encoding: str = "utf-8-sig",
    title: str | None = None,
) -> bytes:
    headers = headers or (list(rows[0]) if rows else MEMBER_HEADERS)
    if fmt == "xlsx":
        wb = Workbook()
        ws = wb.active
        if title:
            ws.append([title])
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    buf = io.StringIO()
    writer = csv.writer(buf)
    if title:
        writer.writerow([title])
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return buf.getvalue().encode(encoding)


def sheet_upload(rows: list[dict], *, name: str = "花名册.xlsx", **kwargs) -> SimpleUploadedFile:
    fmt = "csv" if name.endswith(".csv") else "xlsx"
    return SimpleUploadedFile(name, sheet_bytes(rows, fmt=fmt, **kwargs))


def read_xlsx(data: bytes) -> list[list]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def excel_date(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d)
