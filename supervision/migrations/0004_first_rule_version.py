"""The rules of SPEC §7 as the first version, so every alert can name the version that raised it."""

import datetime

from django.db import migrations


def add_first_rule_version(apps, schema_editor):
    RuleVersion = apps.get_model("supervision", "RuleVersion")
    RecordType = apps.get_model("supervision", "RecordType")
    if RuleVersion.objects.exists():
        return
    RuleVersion.objects.create(
        valid_from=datetime.date(2000, 1, 1),
        type_points={str(pk): str(points) for pk, points in RecordType.objects.values_list("pk", "points")},
        note="SPEC §7 默认规则",
    )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_alerts_rules_and_files")]
    operations = [migrations.RunPython(add_first_rule_version, migrations.RunPython.noop)]
