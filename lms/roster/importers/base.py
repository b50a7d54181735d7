"""What both roster importers share: the row error and counts they report, the abort that
undoes an all-or-nothing apply, and reading a row's cells by column key.

The same code runs for the preview (apply=False: validate and count what would change) and for
the confirmed import (apply=True: the caller holds one transaction; any error aborts it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from .. import values as v
from ..columns import Mapping, column

MISSING_SAMPLE = 200


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as the user sees it ("" for the whole row)
    message: str


@dataclass
class Counts:
    rows: int = 0
    error_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    users_created: int = 0
    missing: int = 0
    missing_sample: list[dict] = field(default_factory=list)
    summary_rows: list[int] = field(default_factory=list)
    history: int = 0  # category / branch changes recorded (apply) or to be recorded (preview)


class ImportAborted(Exception):
    """Raised inside the apply transaction when a row fails, so that nothing is written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        first = errors[0]
        super().__init__(f"第 {first.row} 行 {first.column}：{first.message}")


class RowImport:
    kind = ""

    def __init__(
        self,
        *,
        user,
        mapping: Mapping,
        headers: list[str],
        apply: bool,
        today: dt.date | None = None,
        effective_date: dt.date | None = None,
        skip_invalid: bool = False,
    ):
        self.user = user
        self.mapping = mapping
        self.headers = headers
        self.apply = apply
        self.skip_invalid = skip_invalid
        self.today = today or timezone.localdate()
        self.effective_date = effective_date or self.today
        self.counts = Counts()

    def without_summary_rows(self, chunk: list[tuple[int, list]]) -> list[tuple[int, list]]:
        """Totals rows (合计, 小计 …) are skipped and reported, never read as data."""
        kept = []
        for row_no, values in chunk:
            if v.is_summary_row(values):
                self.counts.summary_rows.append(row_no)
            else:
                kept.append((row_no, values))
        return kept

    def header(self, key: str) -> str:
        index = self.mapping.by_key.get(key)
        return self.headers[index] if index is not None else column(self.kind, key).header

    def cell(self, values: list, key: str):
        index = self.mapping.by_key.get(key)
        return values[index] if index is not None and index < len(values) else None

    def has(self, key: str) -> bool:
        return key in self.mapping.by_key

    def _finish_chunk(self, errors: list[RowError]) -> list[RowError]:
        """Count the faulty rows; in an all-or-nothing apply the first faulty chunk aborts
        the transaction, in a valid-rows-only apply the faulty rows are left out."""
        self.counts.error_rows += len({e.row for e in errors})
        if errors and self.apply and not self.skip_invalid:
            raise ImportAborted(errors)
        return errors
