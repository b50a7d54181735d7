"""xlsx export of the dashboard tables (openpyxl; Chinese headers, one sheet per table).
Cells go through lms.spreadsheets: names and titles can never run as formulas, shares are
numbers shown as percentages and hours are numbers, so the sheets sum and sort."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from lms.spreadsheets import XLSX_CONTENT_TYPE, Formatted, hours, percent, xlsx_row

XLSX = XLSX_CONTENT_TYPE
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def workbook_response(filename: str, sheets: list[tuple[str, list[str], list[list]]]) -> HttpResponse:
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        ws.append(xlsx_row(ws, headers))
        for cell in ws[1]:
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
        for row in rows:
            ws.append(xlsx_row(ws, row))
        for i, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, len(header) * 2 + 2)
        ws.freeze_panes = "A2"
    buf = BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def pct(value) -> Formatted:
    """A share (0–1) as a number cell shown as 85.2%; empty when there is no share."""
    return percent(value)


__all__ = ["XLSX", "hours", "pct", "percent", "workbook_response"]
