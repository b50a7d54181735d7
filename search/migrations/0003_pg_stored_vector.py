"""PostgreSQL: match on a stored generated tsvector column (GIN) instead of an expression
index — phrase queries recheck rows, and recomputing to_tsvector per row was the cost."""

from django.db import migrations

from search.backends import fts_sql


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in fts_sql.POSTGRESQL_FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in fts_sql.POSTGRESQL_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(forwards, backwards)]
