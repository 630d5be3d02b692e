"""The outbox's Job model moves from the assessment app to core, keeping its rows.

The table was made by assessment 0007; this migration only tells Django's state that the model is now
core's, then renames the table to core's name. Constraint and index names are explicit, so they move
with the table unchanged.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0008_dimension_results_one_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Job",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(help_text="例如 assessment.recompute", max_length=64, verbose_name="任务类型")),
                        ("key", models.CharField(blank=True, max_length=200, verbose_name="合并键")),
                        ("payload", models.JSONField(blank=True, default=dict, verbose_name="参数")),
                        ("state", models.CharField(choices=[("pending", "等待执行"), ("running", "正在执行"), ("done", "已完成"), ("failed", "已失败")], default="pending", max_length=16, verbose_name="状态")),
                        ("attempts", models.PositiveIntegerField(default=0, verbose_name="已尝试次数")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="创建时间")),
                        ("run_after", models.DateTimeField(default=django.utils.timezone.now, verbose_name="最早执行时间")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="投递时间")),
                        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="开始时间")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="结束时间")),
                        ("lock_token", models.CharField(blank=True, max_length=32, verbose_name="执行标识")),
                        ("locked_by", models.CharField(blank=True, max_length=200, verbose_name="执行进程")),
                        ("locked_until", models.DateTimeField(blank=True, null=True, verbose_name="占用截止")),
                        ("last_error", models.TextField(blank=True, verbose_name="最近错误")),
                        ("result", models.JSONField(blank=True, null=True, verbose_name="结果")),
                    ],
                    options={
                        "verbose_name": "后台任务",
                        "verbose_name_plural": "后台任务",
                        "ordering": ["-created_at", "-pk"],
                        "db_table": "assessment_job",
                        "indexes": [models.Index(fields=["state", "run_after"], name="job_state_run_after")],
                        "constraints": [models.UniqueConstraint(condition=models.Q(("state", "pending"), models.Q(("key", ""), _negated=True)), fields=("kind", "key"), name="one_pending_job_per_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Now the table takes core's name.
        migrations.AlterModelTable(name="job", table=None),
    ]
