"""The append-only trigger lets one thing through besides unlinking a deleted user: the archiving purge
(``manage.py purge_audit_log``), which names its cut-off in a transaction-local setting. Rows younger than
the 180 days that GB/T 22239-2019 requires cannot be deleted, whatever the setting says."""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purge_before timestamptz;
BEGIN
  -- Deleting a user (rare; accounts are normally deactivated) only unlinks its rows: the name stays.
  IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
     AND to_jsonb(NEW) - 'user_id' = to_jsonb(OLD) - 'user_id' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    -- A custom setting set LOCAL once reads '' afterwards in the same session, hence NULLIF.
    purge_before := NULLIF(current_setting('accounts.audit_purge_before', true), '')::timestamptz;
    IF purge_before IS NOT NULL AND purge_before <= now() - interval '180 days'
       AND OLD.occurred_at < purge_before THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
"""

# Back to the function of 0002, which refuses every DELETE.
UNINSTALL = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
     AND to_jsonb(NEW) - 'user_id' = to_jsonb(OLD) - 'user_id' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_password_age_and_break_glass_grants")]
    operations = [migrations.RunPython(install, uninstall)]
