"""The scheme's parts now belong to the assessment app (assessment 0010 takes them over with their tables);
the indicators app forgets them without touching the database. Value versions point at the indicator in
its new app."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0010_scheme_parts_from_indicators'),
        ('indicators', '0006_statistic_reference_check_in_one_pass'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='indicator',
                    name='dimension',
                ),
                migrations.RemoveField(
                    model_name='indicator',
                    name='provider',
                ),
                migrations.RemoveField(
                    model_name='indicator',
                    name='scheme',
                ),
                migrations.RemoveField(
                    model_name='weight',
                    name='indicator',
                ),
                migrations.RemoveField(
                    model_name='weightoverride',
                    name='indicator',
                ),
                migrations.RemoveField(
                    model_name='statistic',
                    name='indicator',
                ),
                migrations.RemoveField(
                    model_name='responsibility',
                    name='indicator',
                ),
                migrations.AlterField(
                    model_name='valueversion',
                    name='indicator',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessment.indicator', verbose_name='指标'),
                ),
                migrations.RemoveField(
                    model_name='responsibility',
                    name='cadre',
                ),
                migrations.RemoveField(
                    model_name='responsibility',
                    name='unit',
                ),
                migrations.RemoveField(
                    model_name='statistic',
                    name='batch',
                ),
                migrations.RemoveField(
                    model_name='statistic',
                    name='period',
                ),
                migrations.RemoveField(
                    model_name='statistic',
                    name='unit',
                ),
                migrations.RemoveField(
                    model_name='weight',
                    name='track',
                ),
                migrations.RemoveField(
                    model_name='weightoverride',
                    name='unit',
                ),
                migrations.DeleteModel(
                    name='Dimension',
                ),
                migrations.DeleteModel(
                    name='Indicator',
                ),
                migrations.DeleteModel(
                    name='Responsibility',
                ),
                migrations.DeleteModel(
                    name='Statistic',
                ),
                migrations.DeleteModel(
                    name='Weight',
                ),
                migrations.DeleteModel(
                    name='WeightOverride',
                ),
            ],
            database_operations=[],
        ),
    ]
