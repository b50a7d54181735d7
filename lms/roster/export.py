"""Members and organizations written in the import layout (same headers, same category
words), so that an exported file imports back without changes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from openpyxl import Workbook

from lms.accounts.scope import scoped
from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.spreadsheets import csv_row, xlsx_row

from . import values as v
from .columns import columns_for


def member_export_rows(user) -> Iterator[list]:
    rows = (
        scoped(Member.objects.all(), user)
        .order_by("member_no")
        .values_list(
            "member_no",
            "name",
            "gender",
            "branch__name",
            "branch__code",
            "is_village_committee",
            "is_branch_secretary",
            "is_mobile",
            "join_date",
            "phone",
            "is_active",
            "user__username",
        )
    )
    for no, name, gender, branch, code, vc, sec, mobile, joined, phone, active, login in rows.iterator(chunk_size=2000):
        yield [
            no,
            name,
            v.GENDER_LABELS.get(gender, ""),
            branch,
            code or "",
            v.format_categories(is_village_committee=vc, is_branch_secretary=sec, is_mobile=mobile),
            joined,
            phone or "",
            v.format_yes_no(active),
            login or "",
        ]


def organization_export_rows(user) -> Iterator[list]:
    """Parents before children (path order), so the file imports top-down."""
    orgs = scoped(PartyOrganization.objects.all(), user).order_by("path")
    rows = orgs.values_list("path", "code", "name", "kind", "sector", "town__name")
    steplen = PartyOrganization.steplen
    listed = list(rows)
    parent_paths = {p[:-steplen] for p, *_ in listed if len(p) > steplen}
    parents = {
        path: (code or "", name)
        for path, code, name in PartyOrganization.objects.filter(path__in=parent_paths).values_list(
            "path", "code", "name"
        )
    }
    for path, code, name, kind, sector, town in listed:
        ppath = path[:-steplen] if len(path) > steplen else None
        yield [
            code or "",
            name,
            v.KIND_EXPORT[kind],
            *parents.get(ppath, ("", "")),
            town or "",
            v.SECTOR_EXPORT.get(sector, "其他"),
        ]


def export_rows(kind: str, user) -> Iterator[list]:
    return member_export_rows(user) if kind == "members" else organization_export_rows(user)


def export_headers(kind: str) -> list[str]:
    return [c.header for c in columns_for(kind) if c.exported]


def export_xlsx(kind: str, user, fh) -> None:
    """Stream into `fh` with openpyxl's write-only mode. Member numbers and phones are written
    as strings (text cells keep leading zeros); dates as date cells shown as yyyy-mm-dd;
    every cell through lms.spreadsheets (formula-like text stays text)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员" if kind == "members" else "党组织")
    ws.append(xlsx_row(ws, export_headers(kind)))
    for row in export_rows(kind, user):
        ws.append(xlsx_row(ws, row))
    wb.save(fh)


def export_csv_chunks(kind: str, user) -> Iterator[str]:
    """UTF-8 with BOM so Excel opens it in Chinese without asking."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(csv_row(export_headers(kind)))
    for n, row in enumerate(export_rows(kind, user), start=1):
        writer.writerow(csv_row(row))
        if n % 1000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
