"""Limits that keep an .xlsx upload from exhausting the import worker (zip and XML bombs).

An .xlsx is a zip of XML parts. Before openpyxl opens anything, `xlsx_archive_check` reads
the zip directory and streams the parts that are parsed into memory — it never inflates a
whole part at once:

- the archive: at most MAX_MEMBERS parts; each part's declared size within its limit
  (worksheets MAX_SHEET_BYTES, shared strings MAX_SHARED_STRINGS_BYTES, anything else
  MAX_OTHER_BYTES); a part over 1 MB may not inflate more than MAX_RATIO times; the declared
  sizes are enforced while streaming, so a lying zip directory gains nothing;
- shared strings (openpyxl loads them all into a list): at most MAX_SHARED_STRINGS entries;
- any text run (a cell value, a shared string) at most MAX_TEXT_BYTES — Excel's own limit
  is 32,767 characters per cell;
- the sheet's <dimension> may not claim more than MAX_COLUMNS columns.

While rows are read (lms.roster.parsing) a row may not hold more than MAX_COLUMNS cells nor
a cell lie beyond column MAX_COLUMNS. With these, the memory a worker needs for an import
is bounded (measured in tests/lms/roster/test_import_bombs.py and documented in README:
under MEMORY_BOUND_MB for any file, bomb or not), and a bomb is refused in well under a
second with a Chinese message."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

MEMORY_BOUND_MB = 500
MAX_MEMBERS = 500
MAX_SHEET_BYTES = 1024 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_SHARED_STRINGS = 2_000_000
MAX_OTHER_BYTES = 16 * 1024 * 1024
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024 * 1024
MAX_COLUMNS = 1000
MAX_TEXT_BYTES = 32767 * 4  # 32,767 characters of up to 4 bytes in UTF-8
CHUNK = 1 << 20

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*(?::([A-Z]+)\d+)?\"")


class ArchiveRefused(Exception):
    """The file is refused before parsing; str(exc) is the Chinese reason shown to the user."""


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _limit_for(name: str) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return MAX_SHEET_BYTES
    if name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS_BYTES
    return MAX_OTHER_BYTES


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, count: bytes | None = None) -> int:
    """Stream one part: enforce its size, the longest text run and (optionally) count a tag.
    The text-run check splits on '<' chunk by chunk, carrying the open run across chunks."""
    limit = min(_limit_for(info.filename), info.file_size)
    seen = 0
    run = 0  # length of the text run still open at the end of the previous chunk
    tags = 0
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            seen += len(chunk)
            if seen > limit:
                raise ArchiveRefused("文件内容与压缩包记录的大小不符，或超出允许的大小，已拒绝导入")
            pieces = chunk.split(b"<")
            if len(pieces) == 1:
                run += len(chunk)
            else:
                run += len(pieces[0])
                if run > MAX_TEXT_BYTES:
                    break
                run = max(len(p) for p in pieces[1:-1]) if len(pieces) > 2 else 0
                if run > MAX_TEXT_BYTES:
                    break
                run = len(pieces[-1])
            if run > MAX_TEXT_BYTES:
                break
            if count is not None:
                tags += (tail + chunk[: len(count) - 1]).count(count) + chunk.count(count)
                tail = chunk[-(len(count) - 1) :]
    if run > MAX_TEXT_BYTES:
        raise ArchiveRefused("文件中有单元格内容超过 32767 个字符（Excel 的上限），已拒绝导入，请检查文件")
    return tags


def xlsx_archive_check(path: str | Path, *, sheet: str | None = None) -> None:
    """Refuse an .xlsx whose archive could exhaust memory; see the module docstring."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused("无法读取 Excel 文件，请确认是有效的 .xlsx 文件") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArchiveRefused(f"Excel 文件包含的部件过多（{len(infos)} 个），已拒绝导入")
        for info in infos:
            if info.file_size > _limit_for(info.filename):
                mb = _limit_for(info.filename) // 1024 // 1024
                raise ArchiveRefused(
                    f"Excel 文件中的“{info.filename}”解压后超过 {mb} MB，已拒绝导入；请删除多余内容或分批导入"
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
                raise ArchiveRefused(
                    f"Excel 文件中的“{info.filename}”压缩比异常（{ratio:.0f} 倍），疑似压缩炸弹，已拒绝导入"
                )
        names = {i.filename: i for i in infos}
        try:
            strings = names.get("xl/sharedStrings.xml")
            if strings is not None:
                entries = _scan(zf, strings, count=b"<si")
                entries += _scan_count_prefixed(zf, strings) if entries == 0 else 0
                if entries > MAX_SHARED_STRINGS:
                    raise ArchiveRefused(
                        f"Excel 文件的共享字符串过多（{entries} 条，上限 {MAX_SHARED_STRINGS}），已拒绝导入"
                    )
            sheets = [i for n, i in names.items() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            if sheet is not None:
                sheets = [i for i in sheets if i.filename == sheet]
            for info in sheets:
                _dimension_check(zf, info)
                _scan(zf, info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ArchiveRefused("Excel 文件已损坏，无法读取") from exc


def _scan_count_prefixed(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Shared strings written with a namespace prefix (<x:si>)."""
    return _scan(zf, info, count=b":si>") + _scan(zf, info, count=b":si ")


def _dimension_check(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    with zf.open(info) as fh:
        head = fh.read(64 * 1024)
    m = _DIMENSION.search(head)
    if m and m[1] and _column_number(m[1]) > MAX_COLUMNS:
        raise ArchiveRefused(too_many_columns())


def too_many_columns() -> str:
    return f"工作表的列数超过 {MAX_COLUMNS} 列，不像花名册，已拒绝导入；请只保留需要导入的列"


def text_too_long() -> str:
    return "文件中有单元格内容超过 32767 个字符（Excel 的上限），已拒绝导入，请检查文件"
