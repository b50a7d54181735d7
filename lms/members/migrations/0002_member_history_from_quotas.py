"""The member history models move from quotas to members (issue #19). Only Django's state
moves: the tables keep their names (quotas_membercategoryperiod, quotas_memberbranchperiod)
and their rows, so nothing is copied and nothing is lost. quotas 0003 removes them from the
quotas state after this migration."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("organizations", "0001_initial"),
        ("quotas", "0002_summary_columns_match_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="MemberCategoryPeriod",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "category",
                            models.CharField(
                                choices=[
                                    ("ordinary", "普通党员"),
                                    ("village_committee", "村“两委”成员"),
                                    ("branch_secretary", "支部书记"),
                                    ("mobile", "流动党员"),
                                ],
                                max_length=32,
                                verbose_name="类别",
                            ),
                        ),
                        ("start", models.DateField(verbose_name="开始日期")),
                        ("end", models.DateField(blank=True, null=True, verbose_name="结束日期")),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="category_periods",
                                to="members.member",
                                verbose_name="党员",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "党员类别变动",
                        "verbose_name_plural": "党员类别变动",
                        "db_table": "quotas_membercategoryperiod",
                        "ordering": ["member", "category", "start"],
                        "indexes": [
                            models.Index(fields=["member", "category", "start"], name="quotas_memb_member__01ac83_idx")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="MemberBranchPeriod",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("start", models.DateField(verbose_name="开始日期")),
                        ("end", models.DateField(blank=True, null=True, verbose_name="结束日期")),
                        (
                            "branch",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="organizations.partyorganization",
                                verbose_name="支部",
                            ),
                        ),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="branch_periods",
                                to="members.member",
                                verbose_name="党员",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "组织关系转接",
                        "verbose_name_plural": "组织关系转接",
                        "db_table": "quotas_memberbranchperiod",
                        "ordering": ["member", "start"],
                    },
                ),
            ],
        ),
    ]
