"""The downloadable validation report: each row with an error, as it was in the file, the
faulty cells marked, and the reasons in a column next to it."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from lms.spreadsheets import xlsx_cell, xlsx_row

from .importers.base import RowError

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")


class ErrorReport:
    def __init__(self, path: Path, headers: list[str]):
        self.path = path
        self.headers = headers
        self.wb = None  # created at the first faulty row: write-only workbooks hold a temp file
        self.rows = 0

    def _sheet(self):
        if self.wb is None:
            self.wb = Workbook(write_only=True)
            self.ws = self.wb.create_sheet("错误报告")
            self.ws.append(xlsx_row(self.ws, ["原行号", *self.headers, "错误说明"]))
        return self.ws

    def add(self, chunk: list[tuple[int, list]], errors: list[RowError]) -> None:
        by_row: dict[int, list[RowError]] = {}
        for e in errors:
            by_row.setdefault(e.row, []).append(e)
        for row_no, values in chunk:
            row_errors = by_row.get(row_no)
            if not row_errors:
                continue
            self._sheet()
            bad_columns = {e.column for e in row_errors}
            cells = [row_no]
            for header, value in zip(self.headers, values, strict=False):
                cell = xlsx_cell(self.ws, value)
                if header in bad_columns:
                    if not isinstance(cell, Cell):
                        cell = WriteOnlyCell(self.ws, value=cell)
                    cell.fill = BAD_FILL
                    cell.font = BAD_FONT
                cells.append(cell)
            cells += [None] * (len(self.headers) + 1 - len(cells))
            cells.append("；".join(f"{e.column}：{e.message}" if e.column else e.message for e in row_errors))
            self.ws.append(xlsx_row(self.ws, cells))
            self.rows += 1

    def close(self) -> None:
        if self.wb is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.wb.save(self.path)
