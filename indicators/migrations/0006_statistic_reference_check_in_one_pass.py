"""The statement-level reference check of statistics (migration 0004), reading the new rows once.

The first version ran a DISTINCT over the statement's new rows twice per reference (once to lock the
referenced rows, once to find a missing one): six passes over a province upload's 120,000 rows, about
0.15 s of its commit. This one gathers the three sets of distinct ids in one pass and checks them
from arrays. What it refuses is unchanged.
"""

import importlib

from django.db import migrations

ONE_PASS = """
CREATE OR REPLACE FUNCTION indicators_statistic_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE periods bigint[]; units bigint[]; indicators bigint[]; missing bigint;
BEGIN
  SELECT array_agg(DISTINCT period_id), array_agg(DISTINCT unit_id), array_agg(DISTINCT indicator_id)
    INTO periods, units, indicators FROM new_rows;
  IF periods IS NULL THEN
    RETURN NULL;  -- the statement wrote no row
  END IF;
  PERFORM 1 FROM assessment_period WHERE id = ANY(periods) FOR KEY SHARE;
  SELECT n INTO missing FROM unnest(periods) AS n
   WHERE NOT EXISTS (SELECT 1 FROM assessment_period AS p WHERE p.id = n) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'indicators_statistic.period_id = % is not in assessment_period', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM 1 FROM cadres_unit WHERE id = ANY(units) FOR KEY SHARE;
  SELECT n INTO missing FROM unnest(units) AS n
   WHERE NOT EXISTS (SELECT 1 FROM cadres_unit AS p WHERE p.id = n) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'indicators_statistic.unit_id = % is not in cadres_unit', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM 1 FROM indicators_indicator WHERE id = ANY(indicators) FOR KEY SHARE;
  SELECT n INTO missing FROM unnest(indicators) AS n
   WHERE NOT EXISTS (SELECT 1 FROM indicators_indicator AS p WHERE p.id = n) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'indicators_statistic.indicator_id = % is not in indicators_indicator', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
"""


def install_one_pass(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ONE_PASS, params=None)


def restore_first_version(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        first = importlib.import_module("indicators.migrations.0004_statistic_references_checked_per_statement")
        schema_editor.execute(first.INSTALL.split("\nCREATE TRIGGER")[0], params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0005_lighter_writes_of_statistics_and_versions"),
    ]

    operations = [migrations.RunPython(install_one_pass, restore_first_version)]
