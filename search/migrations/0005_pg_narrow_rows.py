"""PostgreSQL: keep search entries' wide columns out of line, so that counting and ranking read
a narrow heap (search/backends/fts_sql.py, POSTGRESQL_LAYOUT). Existing rows move at the next
``manage.py search_rebuild``."""

from django.db import migrations

from search.backends import fts_sql


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in fts_sql.POSTGRESQL_LAYOUT:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in fts_sql.POSTGRESQL_LAYOUT_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_searchentry_school_tier")]

    operations = [migrations.RunPython(forwards, backwards)]
