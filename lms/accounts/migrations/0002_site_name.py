"""Name the default Wagtail site, so the admin never calls the platform "localhost"."""

from django.db import migrations

SITE_NAME = "党校在线"


def name_sites(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    Site.objects.filter(site_name="").update(site_name=SITE_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("wagtailcore", "0046_site_name_remove_null"),
    ]

    operations = [migrations.RunPython(name_sites, migrations.RunPython.noop)]
