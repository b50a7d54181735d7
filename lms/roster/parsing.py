"""Reading roster files row by row without loading them: openpyxl in read-only mode for
.xlsx, the csv module for .csv in UTF-8 (with or without BOM) or GBK, as Excel saves it
on Chinese Windows."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml.ElementTree import iterparse
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from . import limits
from .columns import recognized_count

HEADER_SCAN_ROWS = 10  # department sheets often put a title row or two above the header


class FileUnreadable(Exception):
    """The file cannot be read as a table; the message is shown to the user."""


@dataclass
class Table:
    headers: list[str]
    header_row: int  # 1-based row number of the header in the file
    total_rows: int  # data rows (an estimate for xlsx files without a dimension record)
    rows: Iterator[tuple[int, list]]  # (1-based file row number, cell values)
    encoding: str = ""
    _closers: list = field(default_factory=list)


def detect_encoding(path: Path) -> tuple[str, int]:
    """'utf-8-sig' if the whole file decodes as UTF-8, else 'gb18030' (a superset of GBK).
    Streams the file once; also returns the number of lines, for the progress bar."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    ok = True
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            if ok:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    ok = False
        if ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                ok = False
    return ("utf-8-sig" if ok else "gb18030"), lines


def _is_blank(values: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _pick_header(kind: str, first_rows: list[tuple[int, list]]) -> tuple[int, list]:
    """The row among the first few with the most recognized column names."""
    best = None
    for row_no, values in first_rows:
        score = recognized_count(kind, values)
        if best is None or score > best[0]:
            best = (score, row_no, values)
    if best is None or best[0] == 0:
        nonblank = [(n, v) for n, v in first_rows if not _is_blank(v)]
        if not nonblank:
            raise FileUnreadable("文件中没有数据")
        return nonblank[0]
    return best[1], best[2]


def _data_rows(source: Iterator[tuple[int, list]], width: int) -> Iterator[tuple[int, list]]:
    for row_no, values in source:
        if _is_blank(values):
            continue
        values = list(values[:width]) + [None] * (width - len(values))
        yield row_no, values


@contextmanager
def open_table(path: str | Path, kind: str, original_name: str = ""):
    """Yield a `Table` for an .xlsx or .csv file, reading lazily; closes the file after."""
    path = Path(path)
    suffix = Path(original_name or path.name).suffix.lower()
    if suffix == ".xlsx":
        with _open_xlsx(path, kind) as table:
            yield table
    elif suffix == ".csv":
        with _open_csv(path, kind) as table:
            yield table
    elif suffix in {".xls", ".et", ".wps"}:
        raise FileUnreadable("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 .csv 后再上传")
    else:
        raise FileUnreadable("只支持 .xlsx 和 .csv 文件")


_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
_HEAD_BYTES = 256 * 1024
_size_lock = threading.Lock()


def _head_size(self) -> None:
    """openpyxl's read-only sheet looks for the <dimension> record with an XML parser that,
    when the record is missing (files written by openpyxl itself, some exporters), reads
    the whole sheet before the first row is served. Look in the first bytes only instead."""
    with self._get_source() as src:
        head = src.read(_HEAD_BYTES)
    m = _DIMENSION_RE.search(head)
    if m and m[4]:
        self._min_row, self._max_row = int(m[2]), int(m[4])
        self._min_column = column_index_from_string(m[1].decode())
        self._max_column = column_index_from_string(m[3].decode())
    else:
        self._max_row = self._max_column = None
        self._estimated_rows = _estimate_rows(self, head)


def _estimate_rows(ws, head: bytes) -> int:
    """Rows in a sheet without a dimension record, from the average row size at its start."""
    rows_in_head = head.count(b"<row ") + head.count(b"<x:row ")
    if not rows_in_head:
        return 0
    info = ws.parent._archive.getinfo(ws._worksheet_path)
    return int(info.file_size / (len(head) / rows_in_head))


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _TEXT, _INLINE = (f"{_NS}{t}" for t in ("row", "c", "v", "t", "is"))
_LETTERS = re.compile(r"[A-Z]+")


def _sheet_rows(ws) -> Iterator[tuple[int, list]]:
    """Cell values of a read-only sheet, row by row, decoded the way openpyxl decodes them
    (shared and inline strings, booleans, numbers, date-formatted numbers as datetimes) but
    straight from the XML events: openpyxl builds an object per cell and per inline string,
    which makes it five times slower on a 100,000-row sheet. Formulas give their cached value."""
    wb = ws.parent
    shared = ws._shared_strings
    date_styles = wb._date_formats
    epoch = wb.epoch
    source = ws._get_source()
    counter = 0
    cells = 0
    try:
        for _event, row in iterparse(source):
            if row.tag == _CELL:
                # Counted as each cell ends: a bomb row is refused before it is built whole.
                cells += 1
                if cells > limits.MAX_COLUMNS:
                    raise FileUnreadable(limits.too_many_columns())
                continue
            if row.tag != _ROW:
                continue
            cells = 0
            counter = int(row.get("r") or counter + 1)
            values: list = []
            for cell in row.iter(_CELL):
                ref = cell.get("r")
                if ref:
                    letters = _LETTERS.match(ref)
                    if letters is None or len(letters[0]) > 3:
                        raise FileUnreadable("Excel 文件中的单元格位置无法识别，请确认是有效的 .xlsx 文件")
                    index = column_index_from_string(letters[0]) - 1
                    if index >= limits.MAX_COLUMNS:
                        raise FileUnreadable(limits.too_many_columns())
                    if index > len(values):
                        values.extend([None] * (index - len(values)))
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    inline = cell.find(_INLINE)
                    value = "".join(t.text or "" for t in inline.iter(_TEXT)) if inline is not None else None
                else:
                    value = cell.findtext(_VALUE) or None
                    if value is not None:
                        if kind == "n":
                            value = float(value) if any(ch in value for ch in ".eE") else int(value)
                            style = cell.get("s")
                            if style and int(style) in date_styles:
                                try:
                                    value = from_excel(value, epoch)
                                except (OverflowError, ValueError):
                                    pass
                        elif kind == "s":
                            value = shared[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                if isinstance(value, str) and len(value) > 32767:
                    raise FileUnreadable(limits.text_too_long())
                values.append(value)
            row.clear()
            yield counter, values
    finally:
        source.close()


@contextmanager
def _open_xlsx(path: Path, kind: str):
    try:
        limits.xlsx_archive_check(path)
    except limits.ArchiveRefused as exc:
        raise FileUnreadable(str(exc)) from exc
    try:
        with _size_lock:
            original = ReadOnlyWorksheet._get_size
            ReadOnlyWorksheet._get_size = _head_size
            try:
                wb = load_workbook(path, read_only=True, data_only=True)
            finally:
                ReadOnlyWorksheet._get_size = original
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise FileUnreadable("无法读取 Excel 文件，请确认是有效的 .xlsx 文件") from exc
    try:
        if not wb.worksheets:
            raise FileUnreadable("文件中没有工作表")
        ws = wb.worksheets[0]
        source = _sheet_rows(ws)
        first = []
        for item in source:
            first.append(item)
            if len(first) >= HEADER_SCAN_ROWS:
                break
        header_row, header_values = _pick_header(kind, first)
        headers = [str(h).strip() if h is not None else "" for h in header_values]
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)
        buffered = [item for item in first if item[0] > header_row]
        max_row = ws._max_row or getattr(ws, "_estimated_rows", 0) or 0
        total = max(0, max_row - header_row)

        def rows():
            yield from _data_rows(iter(buffered), width)
            yield from _data_rows(source, width)

        yield Table(headers=headers, header_row=header_row, total_rows=total, rows=rows())
    finally:
        wb.close()


CSV_BAD = "格式错误（引号不成对、编码混杂或单元格超过 131072 个字符），请在 Excel 中另存为 CSV 后重新上传"
MAX_CSV_LINE = 1024 * 1024


def _guarded_lines(fh, delimiter: str) -> Iterator[str]:
    """Lines for the csv reader, each read with a length limit and refused when it holds
    more fields than a roster can have: a one-line "wide row" bomb never becomes a list of
    millions of fields."""
    while line := fh.readline(MAX_CSV_LINE + 1):
        if len(line) > MAX_CSV_LINE:
            raise FileUnreadable("CSV 文件中有一行超过 100 万个字符，不像花名册，已拒绝导入")
        if line.count(delimiter) >= limits.MAX_COLUMNS:
            raise FileUnreadable(limits.too_many_columns())
        yield line


@contextmanager
def _open_csv(path: Path, kind: str):
    encoding, lines = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        try:
            sample = fh.read(8192)
        except UnicodeDecodeError as exc:
            raise FileUnreadable("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV") from exc
        fh.seek(0)
        first_line = sample.split("\n", 1)[0]
        dialect = csv.excel_tab if first_line.count("\t") > first_line.count(",") else csv.excel
        reader = csv.reader(_guarded_lines(fh, dialect.delimiter), dialect)
        source = ((n, row) for n, row in enumerate(reader, start=1))
        try:
            first = []
            for item in source:
                first.append(item)
                if len(first) >= HEADER_SCAN_ROWS:
                    break
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FileUnreadable(f"CSV 文件第 {reader.line_num} 行{CSV_BAD}") from exc
        header_row, header_values = _pick_header(kind, first)
        headers = [str(h).strip() for h in header_values]
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)
        buffered = [item for item in first if item[0] > header_row]

        def rows():
            yield from _data_rows(iter(buffered), width)
            try:
                yield from _data_rows(source, width)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise FileUnreadable(f"CSV 文件第 {reader.line_num} 行{CSV_BAD}") from exc

        yield Table(
            headers=headers,
            header_row=header_row,
            total_rows=max(0, lines - header_row),
            rows=rows(),
            encoding="GBK" if encoding == "gb18030" else "UTF-8",
        )


# --- the row cache: what validation read, replayed by the apply --------------------------------
# Parsing .xlsx is the slowest part of an import; the apply (which validates every row again
# inside its transaction) reads the rows the validation pass already parsed, as JSON lines.


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def cache_rows(table: Table, path: Path) -> Iterator[tuple[int, list]]:
    """Pass the table's rows through, writing them to `path` on the way."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"headers": table.headers, "header_row": table.header_row}, ensure_ascii=False) + "\n")
        for row_no, values in table.rows:
            fh.write(json.dumps([row_no, [_plain(x) for x in values]], ensure_ascii=False) + "\n")
            yield row_no, values
    tmp.replace(path)


@contextmanager
def open_cached_table(path: Path, total_rows: int):
    with open(path, encoding="utf-8") as fh:
        head = json.loads(fh.readline())

        def rows():
            for line in fh:
                row_no, values = json.loads(line)
                yield row_no, values

        yield Table(headers=head["headers"], header_row=head["header_row"], total_rows=total_rows, rows=rows())
