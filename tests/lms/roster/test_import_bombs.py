"""Import bombs (issue #13.6): .xlsx files built to exhaust the import worker are refused
before they are parsed whole, with a Chinese message; the worker's memory stays bounded.

Each bomb is generated here. Memory is measured in a child process (ru_maxrss, the whole
interpreter) that opens the file the way the import does; the child also runs under an
address-space limit so that a regression fails the test instead of the machine."""

import base64
import io
import json
import os
import random
import string
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from lms.roster import limits
from lms.roster.models import ImportJob
from tests.factories.roster import member_row, sheet_bytes

from .helpers import preview

HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = "</sheetData></worksheet>"
HEADER_ROW = (
    '<row r="1">'
    + "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCDEF", ["姓名", "党员编号", "所在支部", "人员类别", "入党日期", "手机号"], strict=True)
    )
    + "</row>"
)


def _rebuild(parts: dict[str, bytes | None]) -> bytes:
    """A valid roster workbook with some parts replaced (None removes one)."""
    base = zipfile.ZipFile(io.BytesIO(sheet_bytes([member_row(1)])))
    out = io.BytesIO()
    shared = "xl/sharedStrings.xml" in parts
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in base.infolist():
            if info.filename in parts:
                continue
            if shared and info.filename in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                continue
            zf.writestr(info.filename, base.read(info.filename))
        for name, data in parts.items():
            if data is not None:
                zf.writestr(name, data)
        if shared:
            types = base.read("[Content_Types].xml").replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
            zf.writestr("[Content_Types].xml", types)
            rels = base.read("xl/_rels/workbook.xml.rels").replace(
                b"</Relationships>",
                b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            )
            zf.writestr("xl/_rels/workbook.xml.rels", rels)
    return out.getvalue()


def _sheet(rows: str) -> bytes:
    return (HEAD + HEADER_ROW + rows + TAIL).encode()


def wide_row_repetitive(cells: int = 3_000_000) -> bytes:
    """One row of three million identical cells: ~100 MB of XML in a small file."""
    return _rebuild({"xl/worksheets/sheet1.xml": _sheet('<row r="2">' + "<c><v>1</v></c>" * cells + "</row>")})


def wide_row_random(cells: int = 1_200_000) -> bytes:
    """One row of random numbers: an ordinary compression ratio, so only the row cap stops it.
    Without the cap, reading this 6.7 MB file peaked at 440 MB (measured 2026-12-01)."""
    numbers = random.Random(1).choices(range(10**9), k=cells)
    body = b"".join(b"<c><v>%d</v></c>" % n for n in numbers)
    sheet = (HEAD + HEADER_ROW + "<row r='2'>").encode() + body + ("</row>" + TAIL).encode()
    return _rebuild({"xl/worksheets/sheet1.xml": sheet})


def shared_strings_repetitive(count: int = 4_000_000) -> bytes:
    sst = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + "<si><t>a</t></si>" * count
    return _rebuild({"xl/sharedStrings.xml": (sst + "</sst>").encode()})


def shared_strings_random(count: int = 2_200_000) -> bytes:
    """Short random strings (an ordinary ratio, under the size limit): only the count stops it.
    Without the count limit, reading this 8.7 MB file peaked at 391 MB and took 80 s."""
    letters = base64.b32encode(random.Random(2).randbytes(count * 5 // 2 + 5))
    body = b"".join(b"<si><t>" + letters[i : i + 4] + b"</t></si>" for i in range(0, count * 4, 4))
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return _rebuild({"xl/sharedStrings.xml": head + body + b"</sst>"})


def long_cell() -> bytes:
    text = "".join(random.Random(3).choices(string.ascii_letters, k=300_000))
    row = f'<row r="2"><c t="inlineStr"><is><t>{text}</t></is></c></row>'
    return _rebuild({"xl/worksheets/sheet1.xml": _sheet(row)})


def csv_wide_row(fields: int = 900_000) -> bytes:
    """A .csv line of 900,000 empty fields (under the line-length limit): the field count stops it."""
    return "姓名,党员编号,所在支部,入党日期\n".encode() + b"," * fields + b"\n"


def csv_long_line() -> bytes:
    """A 30 MB line: read whole (and split into fields) without the line limit."""
    return "姓名,党员编号,所在支部,入党日期\n".encode() + b"x" * 30_000_000 + b"\n"


BOMBS = {
    "csv_wide_row": (csv_wide_row, f"列数超过 {limits.MAX_COLUMNS} 列"),
    "csv_long_line": (csv_long_line, "超过 100 万个字符"),
    "wide_row_repetitive": (wide_row_repetitive, "压缩比异常"),
    "wide_row_random": (wide_row_random, f"列数超过 {limits.MAX_COLUMNS} 列"),
    "shared_strings_repetitive": (shared_strings_repetitive, "解压后超过 64 MB"),
    "shared_strings_random": (shared_strings_random, "共享字符串过多"),
    "long_cell": (long_cell, "32767 个字符"),
}

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
from lms.roster.parsing import FileUnreadable, open_table
start = time.perf_counter()
message = ""
try:
    with open_table(sys.argv[1], "members", sys.argv[1]) as table:
        for _ in table.rows:
            pass
except FileUnreadable as exc:
    message = str(exc)
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the parent's.
with open("/proc/self/status") as fh:
    peak_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(json.dumps({"message": message, "seconds": time.perf_counter() - start, "peak_mb": peak_kb / 1024}))
"""


def _open_in_child(path: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.test"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_is_refused_with_bounded_memory(name, tmp_path):
    build, fragment = BOMBS[name]
    path = tmp_path / (f"{name}.csv" if name.startswith("csv") else f"{name}.xlsx")
    path.write_bytes(build())
    result = _open_in_child(path)
    print(f"{name}: {path.stat().st_size / 1e6:.1f} MB file, {result}")
    assert fragment in result["message"], result
    # The interpreter with openpyxl alone is ~45 MB; the unprotected readings were 390–440 MB.
    assert result["peak_mb"] < min(150, limits.MEMORY_BOUND_MB), result


def test_ordinary_workbook_opens_in_the_child(tmp_path):
    """The measurement is honest: the same child reads a normal roster without complaint."""
    path = tmp_path / "ok.xlsx"
    path.write_bytes(sheet_bytes([member_row(n) for n in range(1, 50)]))
    result = _open_in_child(path)
    assert result["message"] == "" and result["peak_mb"] < limits.MEMORY_BOUND_MB


@pytest.mark.django_db
def test_upload_of_a_bomb_gives_a_chinese_file_error(roles, settings, tmp_path):
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    job = preview(roles.town_a_staff, SimpleUploadedFile("花名册.xlsx", wide_row_random(20_000)))
    assert job.status == ImportJob.Status.VALIDATED and not job.can_confirm
    assert job.file_errors == [limits.too_many_columns()]
    job = preview(roles.town_a_staff, SimpleUploadedFile("花名册.xlsx", long_cell()))
    assert "32767" in job.file_errors[0]


def test_lying_zip_directory_is_caught_while_streaming(tmp_path):
    """A part whose declared size is small but inflates further fails as corrupt or oversized."""
    data = bytearray(_rebuild({"xl/worksheets/sheet1.xml": _sheet("<row r='2'><c><v>1</v></c></row>" * 10)}))
    path = tmp_path / "lying.xlsx"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    # Patch the central directory's uncompressed size of the sheet to 10 bytes.
    central = bytes(data).rfind(b"PK\x01\x02", 0, len(data))
    while central != -1:
        name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_len] == info.filename.encode():
            data[central + 24 : central + 28] = (10).to_bytes(4, "little")
            break
        central = bytes(data).rfind(b"PK\x01\x02", 0, central)
    path.write_bytes(bytes(data))
    with pytest.raises(limits.ArchiveRefused):
        limits.xlsx_archive_check(path)
