from django.db import migrations

# Frozen copy of teachers.conf.DEFAULT_DIMENSIONS at the time of this migration.
DIMENSIONS = [
    ("political", "政治站位", "讲授内容政治方向正确，立场坚定"),
    ("content", "内容质量", "内容充实、观点准确、重点突出"),
    ("practice", "联系实际", "紧密联系基层工作实际，有针对性"),
    ("method", "教学方法", "方法灵活、互动充分、通俗易懂"),
    ("overall", "总体满意", "对本次授课的总体满意程度"),
]


def create_dimensions(apps, schema_editor):
    EvaluationDimension = apps.get_model("teachers", "EvaluationDimension")
    for order, (code, name, description) in enumerate(DIMENSIONS, start=1):
        EvaluationDimension.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("teachers", "0002_roster_evaluations")]

    operations = [migrations.RunPython(create_dimensions, migrations.RunPython.noop)]
