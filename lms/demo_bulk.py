"""Bulk loading for the demo seed (district scale: millions of rows): plain tuples written with
COPY on PostgreSQL (executemany elsewhere), and the tables' indexes and constraints dropped
while an empty table is filled, then rebuilt once."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


def rows_copy(model, fields: list[str], rows) -> int:
    """Bulk insert plain tuples: COPY on PostgreSQL, executemany otherwise."""
    table = model._meta.db_table
    columns = [model._meta.get_field(f).column for f in fields]
    n = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                n += len(batch)
    return n


@contextmanager
def bulk_load(*models):
    """On PostgreSQL, drop the secondary indexes, unique and foreign-key constraints of the
    given (empty) tables while millions of rows are copied in, then recreate them: one sort
    per index and one validating join per foreign key instead of per-row index maintenance and
    millions of deferred trigger events at commit. Elsewhere a no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    saved: list[tuple[str, str, str]] = []  # (kind, table/name, ddl)
    with connection.cursor() as cursor:
        # Fire earlier steps' deferred FK checks now: ALTER TABLE refuses pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                saved.append(("constraint", table, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
            for name, definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
                saved.append(("index", table, definition))
    yield
    with connection.cursor() as cursor:
        for kind in ("index", "constraint"):
            for k, _table, ddl in saved:
                if k == kind:
                    cursor.execute(ddl)
        for model in models:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
