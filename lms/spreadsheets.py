"""Cells for every .xlsx and .csv the platform writes — the one place that decides how a value
lands in a spreadsheet.

- Text a spreadsheet would run as a formula (starting with = + - @, tab or carriage return,
  OWASP "CSV injection") is neutralised: in .xlsx it is written as a string cell with Excel's
  quote prefix (shown as typed, never evaluated, and it stays text when edited); in .csv it
  gets a leading apostrophe, as OWASP recommends. Numbers, dates and booleans are never
  touched: a negative number stays a number.
- Numbers stay numbers: `percent(0.852)` is the number 0.852 shown as 85.2%, `hours(12.5)`
  a number shown with one decimal; they sum and sort in Excel.
- Characters that .xlsx cannot hold (control characters from a pasted file) are dropped
  instead of failing the whole export.

Writers: `xlsx_row(ws, values)` returns cells for `ws.append` (write-only sheets or normal
ones), `csv_row(values)` returns strings for `csv.writer.writerow`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PERCENT_FORMAT = "0.0%"
HOURS_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Formatted:
    """A number (or date) with the number format Excel shows it in."""

    value: float | int | dt.date | None
    number_format: str


def percent(share) -> Formatted:
    """A share 0–1 as a number shown as a percentage ('0.0%'); None stays an empty cell."""
    return Formatted(None if share is None else float(share), PERCENT_FORMAT)


def hours(value) -> Formatted:
    """学时 (or any decimal quantity) as a number shown with two decimals."""
    return Formatted(None if value is None else float(value), HOURS_FORMAT)


def is_formula_like(text: str) -> bool:
    return bool(text) and text.startswith(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """The .csv form of a text cell: a leading apostrophe before formula-like text."""
    return "'" + text if is_formula_like(text) else text


def _plain(value):
    """Decimal → float (Excel has no decimals); everything else as is."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def xlsx_cell(ws, value, *, number_format: str | None = None):
    """One cell for `ws.append`: safe text, numbers as numbers, dates with a date format."""
    if isinstance(value, Formatted):
        number_format, value = value.number_format, value.value
    value = _plain(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not is_formula_like(value):
            return value
        cell = WriteOnlyCell(ws, value=None)
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
        return cell
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # xlsx has no time zones; callers pass local times
    if number_format is None and isinstance(value, dt.datetime):
        number_format = DATETIME_FORMAT
    elif number_format is None and isinstance(value, dt.date):
        number_format = DATE_FORMAT
    if number_format is None or value is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def xlsx_row(ws, values: Iterable) -> list:
    """A row for `ws.append`, each value through `xlsx_cell`. Works for write-only and
    ordinary worksheets; style the returned cells (fill, font) before appending."""
    return [v if isinstance(v, Cell) else xlsx_cell(ws, v) for v in values]


def csv_value(value):
    """One .csv field: neutralised text, numbers as written, dates in ISO form."""
    if isinstance(value, Formatted):
        value = value.value
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return value
    return neutralise(str(value))


def csv_row(values: Iterable) -> list:
    return [csv_value(v) for v in values]


def strip_neutralising(text: str) -> str:
    """Reading back a file we (or OWASP-minded tools) wrote: "'=1+1" → "=1+1"."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
