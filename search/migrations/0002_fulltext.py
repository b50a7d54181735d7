"""Full-text index for SearchEntry: FTS5 on SQLite, GIN over to_tsvector('simple', …) on PostgreSQL
(replaced by a stored vector column in 0003)."""

from django.db import migrations

from search.backends import fts_sql

PG_EXPRESSION_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_entry_tsv_gin ON search_searchentry USING GIN ("
    "(setweight(to_tsvector('simple'::regconfig, COALESCE(\"search_searchentry\".\"title_tokens\", '')), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, COALESCE(\"search_searchentry\".\"body_tokens\", '')), 'B')))"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_EXPRESSION_INDEX)
    elif vendor == "sqlite":
        for sql in fts_sql.SQLITE_FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_tsv_gin")
    elif vendor == "sqlite":
        for sql in fts_sql.SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
