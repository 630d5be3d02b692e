"""The scheme's parts (dimensions, indicators, weights, unit weights, responsibilities, statistics) move from
the indicators app to the assessment app, keeping their tables, rows and constraints.

Only Django's state changes (the tables keep their names through ``db_table``); the content types are
renamed in place, so permissions given to groups and admin history stay attached to them.
"""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


MOVED_MODELS = ("dimension", "indicator", "weight", "weightoverride", "responsibility", "statistic")


def _move_content_types(apps, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED_MODELS:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_assessment(apps, schema_editor):
    _move_content_types(apps, "indicators", "assessment")


def content_types_back_to_indicators(apps, schema_editor):
    _move_content_types(apps, "assessment", "indicators")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('assessment', '0009_job_moves_to_core'),
        ('cadres', '0003_cadre_accounts_and_kinships'),
        ('indicators', '0006_statistic_reference_check_in_one_pass'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Dimension',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=50, verbose_name='维度名称')),
                        ('sort_order', models.PositiveIntegerField(default=0, verbose_name='排序')),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='assessment.dimension', verbose_name='上级维度')),
                        ('scheme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dimensions', to='assessment.scheme', verbose_name='考核方案')),
                    ],
                    options={
                        'verbose_name': '考核维度',
                        'verbose_name_plural': '考核维度',
                        'db_table': 'indicators_dimension',
                        'ordering': ['scheme', 'sort_order', 'pk'],
                    },
                ),
                migrations.AlterField(
                    model_name='dimensionresult',
                    name='dimension',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessment.dimension', verbose_name='维度'),
                ),
                migrations.CreateModel(
                    name='Indicator',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=32, verbose_name='指标代码')),
                        ('name', models.CharField(max_length=200, verbose_name='指标名称')),
                        ('measure', models.CharField(blank=True, max_length=30, verbose_name='计量单位')),
                        ('direction', models.CharField(choices=[('higher', '正向'), ('lower', '逆向')], default='higher', max_length=8, verbose_name='方向')),
                        ('method', models.CharField(choices=[('efficacy', '功效系数'), ('target', '目标完成率'), ('rank', '排名'), ('threshold', '达标'), ('direct', '直接赋分')], default='efficacy', max_length=16, verbose_name='评分方法')),
                        ('target', models.DecimalField(blank=True, decimal_places=6, max_digits=20, null=True, verbose_name='目标值')),
                        ('rank_step', models.DecimalField(decimal_places=4, default=Decimal('0.05'), max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)], verbose_name='排名递减分率')),
                        ('rank_floor', models.DecimalField(decimal_places=4, default=Decimal('0.6'), max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)], verbose_name='排名最低分率')),
                        ('per_capita_base', models.CharField(blank=True, choices=[('population', '人口'), ('area_km2', '面积'), ('gdp', '地区生产总值'), ('fiscal_revenue', '财政收入')], max_length=32, verbose_name='人均基数')),
                        ('may_be_negative', models.BooleanField(default=False, verbose_name='可为负数')),
                        ('criteria', models.TextField(blank=True, verbose_name='评分标准')),
                        ('sort_order', models.PositiveIntegerField(default=0, verbose_name='排序')),
                        ('dimension', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='indicators', to='assessment.dimension', verbose_name='维度')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='provided_indicators', to='cadres.unit', verbose_name='数据来源')),
                        ('scheme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='indicators', to='assessment.scheme', verbose_name='考核方案')),
                    ],
                    options={
                        'verbose_name': '指标',
                        'verbose_name_plural': '指标',
                        'db_table': 'indicators_indicator',
                        'ordering': ['scheme', 'sort_order', 'code'],
                    },
                ),
                migrations.AlterField(
                    model_name='indicatorscore',
                    name='indicator',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='scores', to='assessment.indicator', verbose_name='指标'),
                ),
                migrations.CreateModel(
                    name='Responsibility',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('cadre', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='responsibilities', to='cadres.cadre', verbose_name='分管领导')),
                        ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responsibilities', to='assessment.indicator', verbose_name='指标')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cadres.unit', verbose_name='单位')),
                    ],
                    options={
                        'verbose_name': '指标责任人',
                        'verbose_name_plural': '指标责任人',
                        'db_table': 'indicators_responsibility',
                    },
                ),
                migrations.CreateModel(
                    name='Statistic',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.DecimalField(blank=True, decimal_places=8, max_digits=24, null=True, verbose_name='数值')),
                        ('not_applicable', models.BooleanField(default=False, verbose_name='不适用')),
                        ('target', models.DecimalField(blank=True, decimal_places=8, max_digits=24, null=True, verbose_name='单位目标值')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('batch', models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='写入当前数值的那次导入；在后台修改的为空', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='indicators.importbatch', verbose_name='导入批次')),
                        ('indicator', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='statistics', to='assessment.indicator', verbose_name='指标')),
                        ('period', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='statistics', to='assessment.period', verbose_name='考核周期')),
                        ('unit', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cadres.unit', verbose_name='单位')),
                    ],
                    options={
                        'verbose_name': '统计数据',
                        'verbose_name_plural': '统计数据',
                        'db_table': 'indicators_statistic',
                    },
                ),
                migrations.CreateModel(
                    name='Weight',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weight', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(0)], verbose_name='分值')),
                        ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='weights', to='assessment.indicator', verbose_name='指标')),
                        ('track', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='weights', to='assessment.track', verbose_name='赛道')),
                    ],
                    options={
                        'verbose_name': '指标分值',
                        'verbose_name_plural': '指标分值',
                        'db_table': 'indicators_weight',
                    },
                ),
                migrations.CreateModel(
                    name='WeightOverride',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weight', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(0)], verbose_name='分值')),
                        ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='weight_overrides', to='assessment.indicator', verbose_name='指标')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cadres.unit', verbose_name='单位')),
                    ],
                    options={
                        'verbose_name': '单位专属分值',
                        'verbose_name_plural': '单位专属分值（一单位一策）',
                        'db_table': 'indicators_weightoverride',
                    },
                ),
                migrations.AddConstraint(
                    model_name='dimension',
                    constraint=models.UniqueConstraint(fields=('scheme', 'name'), name='unique_dimension_name_per_scheme', violation_error_message='同一方案中维度名称不能重复'),
                ),
                migrations.AddConstraint(
                    model_name='indicator',
                    constraint=models.UniqueConstraint(fields=('scheme', 'code'), name='unique_indicator_code_per_scheme', violation_error_message='同一方案中指标代码不能重复'),
                ),
                migrations.AddConstraint(
                    model_name='responsibility',
                    constraint=models.UniqueConstraint(fields=('indicator', 'unit'), name='one_responsible_cadre'),
                ),
                migrations.AddConstraint(
                    model_name='statistic',
                    constraint=models.UniqueConstraint(fields=('period', 'unit', 'indicator'), name='one_statistic_per_cell'),
                ),
                migrations.AddConstraint(
                    model_name='statistic',
                    constraint=models.CheckConstraint(condition=models.Q(('not_applicable', False), ('value__isnull', True), _connector='OR'), name='not_applicable_has_no_value', violation_error_message='标为不适用的单元格不能有数值'),
                ),
                migrations.AddConstraint(
                    model_name='weight',
                    constraint=models.UniqueConstraint(fields=('indicator', 'track'), name='one_weight_per_track'),
                ),
                migrations.AddConstraint(
                    model_name='weightoverride',
                    constraint=models.UniqueConstraint(fields=('indicator', 'unit'), name='one_override_per_unit'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_assessment, content_types_back_to_indicators),
    ]
