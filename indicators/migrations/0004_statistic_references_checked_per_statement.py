"""Referential integrity of statistics on PostgreSQL, checked once per statement.

A foreign key checks (and locks) the referenced row once for every row written: 360,000 checks for a
province upload of 120,000 values, about 1.5 s at commit. These triggers do the same work per
statement: lock the distinct referenced rows once, refuse the statement if any is missing, and refuse
a delete of a period, unit or indicator that statistics still point at. The ORM's own on_delete rules
(PROTECT, CASCADE) run before any of this, so the triggers only ever fire on a bypass or a bug.
SQLite, the embedded default, keeps Django's checks in the ORM.
"""

import django.db.models.deletion
from django.db import migrations, models


INSTALL = """
CREATE OR REPLACE FUNCTION indicators_statistic_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE missing bigint;
BEGIN
  PERFORM 1 FROM assessment_period WHERE id IN (SELECT DISTINCT period_id FROM new_rows) FOR KEY SHARE;
  SELECT n.period_id INTO missing FROM (SELECT DISTINCT period_id FROM new_rows) AS n
   WHERE NOT EXISTS (SELECT 1 FROM assessment_period AS p WHERE p.id = n.period_id) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'indicators_statistic.period_id = % is not in assessment_period', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM 1 FROM cadres_unit WHERE id IN (SELECT DISTINCT unit_id FROM new_rows) FOR KEY SHARE;
  SELECT n.unit_id INTO missing FROM (SELECT DISTINCT unit_id FROM new_rows) AS n
   WHERE NOT EXISTS (SELECT 1 FROM cadres_unit AS p WHERE p.id = n.unit_id) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'indicators_statistic.unit_id = % is not in cadres_unit', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  PERFORM 1 FROM indicators_indicator WHERE id IN (SELECT DISTINCT indicator_id FROM new_rows) FOR KEY SHARE;
  SELECT n.indicator_id INTO missing FROM (SELECT DISTINCT indicator_id FROM new_rows) AS n
   WHERE NOT EXISTS (SELECT 1 FROM indicators_indicator AS p WHERE p.id = n.indicator_id) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'indicators_statistic.indicator_id = % is not in indicators_indicator', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER indicators_statistic_references_on_insert AFTER INSERT ON indicators_statistic REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION indicators_statistic_check_references();
CREATE TRIGGER indicators_statistic_references_on_update AFTER UPDATE ON indicators_statistic REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION indicators_statistic_check_references();

CREATE OR REPLACE FUNCTION assessment_period_keep_indicators_statistic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM indicators_statistic AS c JOIN old_rows AS o ON c.period_id = o.id) THEN
    RAISE EXCEPTION 'rows of assessment_period are still referenced from indicators_statistic.period_id'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER assessment_period_keep_indicators_statistic AFTER DELETE ON assessment_period
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_period_keep_indicators_statistic();


CREATE OR REPLACE FUNCTION cadres_unit_keep_indicators_statistic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM indicators_statistic AS c JOIN old_rows AS o ON c.unit_id = o.id) THEN
    RAISE EXCEPTION 'rows of cadres_unit are still referenced from indicators_statistic.unit_id'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER cadres_unit_keep_indicators_statistic AFTER DELETE ON cadres_unit
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cadres_unit_keep_indicators_statistic();


CREATE OR REPLACE FUNCTION indicators_indicator_keep_indicators_statistic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM indicators_statistic AS c JOIN old_rows AS o ON c.indicator_id = o.id) THEN
    RAISE EXCEPTION 'rows of indicators_indicator are still referenced from indicators_statistic.indicator_id'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER indicators_indicator_keep_indicators_statistic AFTER DELETE ON indicators_indicator
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION indicators_indicator_keep_indicators_statistic();
"""

UNINSTALL = """DROP TRIGGER IF EXISTS indicators_statistic_references_on_insert ON indicators_statistic;
DROP TRIGGER IF EXISTS indicators_statistic_references_on_update ON indicators_statistic;
DROP FUNCTION IF EXISTS indicators_statistic_check_references();
DROP TRIGGER IF EXISTS assessment_period_keep_indicators_statistic ON assessment_period;
DROP FUNCTION IF EXISTS assessment_period_keep_indicators_statistic();
DROP TRIGGER IF EXISTS cadres_unit_keep_indicators_statistic ON cadres_unit;
DROP FUNCTION IF EXISTS cadres_unit_keep_indicators_statistic();
DROP TRIGGER IF EXISTS indicators_indicator_keep_indicators_statistic ON indicators_indicator;
DROP FUNCTION IF EXISTS indicators_indicator_keep_indicators_statistic();"""


def install_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0005_dimension_results_without_constraints'),
        ('cadres', '0001_initial'),
        ('indicators', '0003_statistic_batch_without_constraint'),
    ]

    operations = [
        migrations.AlterField(
            model_name='statistic',
            name='indicator',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='statistics', to='indicators.indicator', verbose_name='指标'),
        ),
        migrations.AlterField(
            model_name='statistic',
            name='period',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='statistics', to='assessment.period', verbose_name='考核周期'),
        ),
        migrations.AlterField(
            model_name='statistic',
            name='unit',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cadres.unit', verbose_name='单位'),
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
