"""SearchEntry.school_tier: the tier of the offering (course, lesson) or home (teacher) school.

Filled by the next ``manage.py search_rebuild`` (or sync). On SQLite, adding a NOT NULL column
rebuilds the table, which drops the triggers keeping the FTS5 table in sync: they are created
again here."""

from django.db import migrations, models

from search.backends import fts_sql


def fts_triggers_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in [*fts_sql.SQLITE_FORWARD, fts_sql.SQLITE_REBUILD]:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_pg_stored_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="school_tier",
            field=models.CharField(
                blank=True,
                choices=[("city", "市(县)委党校"), ("town", "镇街党校")],
                max_length=8,
                verbose_name="党校层级",
            ),
        ),
        migrations.RunPython(fts_triggers_restore, migrations.RunPython.noop),
    ]
