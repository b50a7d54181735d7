"""The member history models now belong to members (members 0002 took them over with their
tables); drop them from the quotas state only — the tables and rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0002_summary_columns_match_rules"),
        ("members", "0002_member_history_from_quotas"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="MemberCategoryPeriod"),
                migrations.DeleteModel(name="MemberBranchPeriod"),
            ],
        ),
    ]
