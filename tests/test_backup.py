"""Backup and restore (docs/operations.md): the drill dumps the database and the private files, drops
the database and deletes the files, restores both and compares every table's rows, the results and the
files with what was there. ``backup_database`` is pg_dump-based, so the drill needs PostgreSQL: without
it, it is skipped on a developer's machine and fails in CI. The checks made before a restore touches
anything run on every database."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile

import psycopg
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import Period
from assessment.recompute import recompute_period
from cadres.models import Unit
from indicators.models import ImportStatus
from indicators.uploads import import_statistics_file
from tests.test_drills import ranks, stored_results
from tests.test_outbox import statistics_sheet
from tests.test_worker import unavailable

pytestmark = pytest.mark.django_db(transaction=True)


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for name in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def drop_and_create_the_database() -> None:
    """The disaster: the database is gone and an empty one of the same name is made for the restore."""
    database = connection.settings_dict
    connection.close()
    with psycopg.connect(host=database["HOST"] or None, port=database["PORT"] or None, user=database["USER"] or None,
                         password=database["PASSWORD"] or None, dbname="postgres", autocommit=True) as maintenance:
        name = connection.ops.quote_name(database["NAME"])
        maintenance.execute(f"DROP DATABASE {name} WITH (FORCE)")
        maintenance.execute(f"CREATE DATABASE {name}")


def test_backup_and_restore_drill(district, client, make_user, tmp_path):
    if connection.vendor != "postgresql":
        unavailable(f"backup_database and restore_database run pg_dump and pg_restore, so they need PostgreSQL; "
                    f"the database is {connection.vendor} (set DATABASE_URL=postgres://…)")
    period = district["period"]
    recompute_period(period.pk)
    provider = make_user("tianbao", [Role.DATA_PROVIDER], department=district["growth"].provider)
    batch = import_statistics_file(statistics_sheet(["Z1", "东镇", 50, 100]), "统计局.xlsx", period=period,
                                   department=district["growth"].provider, user=provider)
    assert batch.status == ImportStatus.COMMITTED and ranks(period) == {"Z1": 1, "Z2": 3, "Z3": 2}
    original_file = default_storage.open(batch.file.name).read()
    results = stored_results(period)
    counts = table_counts()

    output = io.StringIO()
    call_command("backup_database", output=str(tmp_path / "backups"), stdout=output)
    (folder,) = (tmp_path / "backups").iterdir()
    assert str(folder) in output.getvalue()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == counts and manifest["private_files"] == 1
    for name, described in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == described["sha256"]
    assert AuditEvent.objects.filter(action="system.backup.created").count() == 1

    drop_and_create_the_database()
    shutil.rmtree(default_storage.location)
    with pytest.raises(ProgrammingError):
        Unit.objects.count()  # the tables are gone
    with pytest.raises(CommandError, match="--confirm"):
        call_command("restore_database", str(folder), stdout=io.StringIO())
    with pytest.raises(ProgrammingError):
        Unit.objects.count()  # without --confirm nothing was restored

    output = io.StringIO()
    call_command("restore_database", str(folder / "database.dump"), confirm=True, stdout=output)
    assert "与备份清单一致" in output.getvalue()
    assert table_counts() == {**counts, "accounts_auditevent": counts["accounts_auditevent"] + 1}
    assert stored_results(period) == results
    assert default_storage.open(batch.file.name).read() == original_file
    restored = AuditEvent.objects.get(action="system.backup.restored")
    assert restored.detail["rows"] == sum(counts.values()) and restored.detail["mismatched_tables"] == []

    client.force_login(make_user("kaohe", [Role.ASSESSMENT_OFFICER]))  # and the application works on it
    page = client.get(reverse("assessment:period_detail", args=[Period.objects.get().pk])).content.decode()
    assert "结果已是最新" in page and "东镇" in page


def write_backup(folder, *, dump: bytes) -> None:
    """A backup folder as backup_database writes it, around a dump given here."""
    folder.mkdir()
    (folder / "database.dump").write_bytes(dump)
    files = io.BytesIO()
    with tarfile.open(fileobj=files, mode="w:gz"):
        pass
    (folder / "private-files.tar.gz").write_bytes(files.getvalue())
    manifest = {"format": 1, "created_at": "2026-01-05T02:00:00+08:00", "database": {"name": "assessment"},
                "files": {name: {"sha256": hashlib.sha256((folder / name).read_bytes()).hexdigest(),
                                 "bytes": (folder / name).stat().st_size}
                          for name in ("database.dump", "private-files.tar.gz")},
                "tables": {"cadres_unit": 0}, "private_files": 0, "migrations": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("damage", ["changed", "missing", "unreadable"])
def test_a_restore_that_cannot_be_done_changes_nothing(registry, tmp_path, damage):
    folder = tmp_path / "backup-20260105-020000"
    write_backup(folder, dump=b"PGDMP not really a dump")
    expected = "pg_restore 失败" if connection.vendor == "postgresql" else "需要 PostgreSQL"
    if damage == "changed":
        (folder / "database.dump").write_bytes(b"PGDMP not really a dump, and changed")
        expected = "database.dump 与清单中的校验值不符"
    elif damage == "missing":
        (folder / "private-files.tar.gz").unlink()
        expected = "备份不完整：缺少 private-files.tar.gz"
    units = set(Unit.objects.values_list("code", flat=True))
    with pytest.raises(CommandError, match=expected):
        call_command("restore_database", str(folder), confirm=True, stdout=io.StringIO())
    assert set(Unit.objects.values_list("code", flat=True)) == units == {"TA", "TB", "DS"}
    assert not AuditEvent.objects.filter(action="system.backup.restored").exists()
