"""The outbox's Job model now belongs to core (core 0001 takes it over with its rows); the assessment app
forgets it without touching the table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0008_dimension_results_one_index"),
        ("core", "0001_job_from_assessment"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Job")],
            database_operations=[],
        ),
    ]
