"""Backing up and restoring the database and the private files (docs/operations.md).

``backup_create`` writes one folder: the database as a pg_dump in custom format, the private files
(uploaded originals and attachments, the default storage's folder) as a tar archive, and
``manifest.json`` with the SHA-256 of both and the row count of every table. The counts and the dump
are read from one exported snapshot, so the counts are exactly those of the dump. ``backup_restore``
checks the files against the manifest, replaces the database's contents with pg_restore in one
transaction, puts the private files back and compares the restored row counts with the manifest.
Both are written to the audit log. The commands ``backup_database`` and ``restore_database`` call them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import AuditOutcome

FORMAT = 1
DUMP_NAME = "database.dump"
FILES_NAME = "private-files.tar.gz"
MANIFEST_NAME = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in Chinese."""


@dataclass
class BackupSummary:
    folder: Path
    tables: int
    rows: int
    private_files: int


@dataclass
class RestoreSummary:
    folder: Path
    created_at: str
    tables: int
    rows: int
    private_files: int
    # {table: (rows in the manifest, rows restored or None when the table is missing)}
    mismatches: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    unapplied_migrations: int = 0


# --- The database's client programs -----------------------------------------------------------------


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(_("备份与恢复基于 pg_dump/pg_restore，需要 PostgreSQL 数据库（设置 DATABASE_URL）；"
                            "当前数据库是 %(vendor)s。") % {"vendor": connection.vendor})


def _client_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password stays out of the command line."""
    database = connections[DEFAULT_DB_ALIAS].settings_dict
    environment = dict(os.environ)
    for variable, value in (("PGHOST", database.get("HOST")), ("PGPORT", database.get("PORT")),
                            ("PGUSER", database.get("USER")), ("PGPASSWORD", database.get("PASSWORD"))):
        if value:
            environment[variable] = str(value)
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if (database.get("OPTIONS") or {}).get(option):
            environment[variable] = str(database["OPTIONS"][option])
    return environment


def _database_name() -> str:
    return str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])


def _run(program: str, *arguments: str) -> str:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(_("找不到 %(program)s：请安装与数据库服务器主版本相同的 PostgreSQL 客户端") % {
            "program": program})
    completed = subprocess.run([executable, *arguments], env=_client_environment(), capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(_("%(program)s 失败：%(error)s") % {"program": program,
                                                             "error": completed.stderr.strip()[-2000:]})
    return completed.stdout


def _table_counts(database_connection) -> dict[str, int]:
    with database_connection.cursor() as cursor:
        names = database_connection.introspection.table_names(cursor)
        counts = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {database_connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def _applied_migrations(database_connection) -> dict[str, str]:
    """The last applied migration of each app."""
    latest: dict[str, str] = {}
    for app, name in sorted(MigrationRecorder(database_connection).applied_migrations()):
        latest[app] = name
    return latest


# --- Files --------------------------------------------------------------------------------------------


def _private_root() -> Path:
    location = getattr(storages["default"], "location", None)
    if location is None:
        raise BackupError(_("私有文件不在本机文件系统中，无法随数据库一并备份；请用其存储自身的备份手段"))
    return Path(location)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _archive_private_files(path: Path) -> int:
    root = _private_root()
    count = 0
    with tarfile.open(path, "w:gz") as archive:
        if root.is_dir():
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    archive.add(file, arcname=file.relative_to(root).as_posix(), recursive=False)
                    count += 1
    return count


def _new_folder(output_root: Path) -> Path:
    stem = f"backup-{timezone.localtime():%Y%m%d-%H%M%S}"
    output_root.mkdir(parents=True, exist_ok=True)
    for suffix in ["", *(f"-{number}" for number in range(2, 100))]:
        folder = output_root / f"{stem}{suffix}"
        try:
            folder.mkdir(mode=0o700)  # a backup holds ID numbers and supervision records: owner only
        except FileExistsError:
            continue
        return folder
    raise BackupError(_("无法在 %(path)s 中新建备份目录") % {"path": output_root})


# --- Backing up ---------------------------------------------------------------------------------------


def backup_create(*, output_root: Path, operator: str = "") -> BackupSummary:
    """Write a backup folder under ``output_root``: dump, private files and their manifest."""
    require_postgresql()
    folder = _new_folder(output_root)
    dump = folder / DUMP_NAME
    # A connection of its own holds a read-only snapshot while pg_dump reads the same one (--snapshot),
    # so the manifest's counts are those of the dump however busy the database is meanwhile.
    snapshot_connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with snapshot_connection.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
        counts = _table_counts(snapshot_connection)
        migrations = _applied_migrations(snapshot_connection)
        _run("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
             f"--dbname={_database_name()}")
        with snapshot_connection.cursor() as cursor:
            cursor.execute("COMMIT")
    finally:
        snapshot_connection.close()
    private_files = _archive_private_files(folder / FILES_NAME)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": {"name": _database_name(), "server_version": server_version,
                     "pg_dump": _run("pg_dump", "--version").strip()},
        "files": {name: {"sha256": _sha256(folder / name), "bytes": (folder / name).stat().st_size}
                  for name in (DUMP_NAME, FILES_NAME)},
        "tables": counts,
        "private_files": private_files,
        "migrations": migrations,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for path in folder.iterdir():
        path.chmod(0o600)
    summary = BackupSummary(folder=folder, tables=len(counts), rows=sum(counts.values()), private_files=private_files)
    record_event("system.backup.created", via="command", operator=operator, folder=str(folder),
                 database_sha256=manifest["files"][DUMP_NAME]["sha256"], tables=summary.tables, rows=summary.rows,
                 private_files=private_files)
    return summary


# --- Restoring ----------------------------------------------------------------------------------------


def backup_folder(path: Path) -> Path:
    """The backup folder named by ``path``: the folder itself or any file in it."""
    return path if path.is_dir() else path.parent


def backup_read(folder: Path) -> dict:
    """The manifest of a backup whose files are all there and match their checksums."""
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BackupError(_("%(folder)s 不是备份目录：缺少 %(name)s") % {"folder": folder, "name": MANIFEST_NAME})
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BackupError(_("备份清单无法读取：%(error)s") % {"error": error}) from error
    if manifest.get("format") != FORMAT or set(manifest.get("files", {})) != {DUMP_NAME, FILES_NAME}:
        raise BackupError(_("备份清单的格式不是本系统写出的格式"))
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(_("备份不完整：缺少 %(name)s") % {"name": name})
        if _sha256(path) != expected["sha256"]:
            raise BackupError(_("备份文件 %(name)s 与清单中的校验值不符，文件已损坏或被改动，不能用于恢复") % {
                "name": name})
    return manifest


def _restore_private_files(archive_path: Path) -> int:
    root = _private_root()
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        # The "data" filter refuses absolute paths, links and anything that would land outside root.
        archive.extractall(root, members=members, filter="data")
    return len(members)


def backup_restore(folder: Path, *, operator: str = "") -> RestoreSummary:
    """Replace the database's contents and put back the private files from a checked backup."""
    manifest = backup_read(folder)
    require_postgresql()
    connections.close_all()
    # One transaction: a restore that fails half-way leaves the database as it was.
    _run("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", f"--dbname={_database_name()}", str(folder / DUMP_NAME))
    private_files = _restore_private_files(folder / FILES_NAME)
    counts = _table_counts(connection)
    mismatches = {name: (expected, counts.get(name)) for name, expected in manifest["tables"].items()
                  if counts.get(name) != expected}
    executor = MigrationExecutor(connection)
    unapplied = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    summary = RestoreSummary(folder=folder, created_at=manifest["created_at"], tables=len(counts),
                             rows=sum(counts.values()), private_files=private_files, mismatches=mismatches,
                             unapplied_migrations=unapplied)
    # Written after counting, into the restored log: the events since the backup are gone with it.
    record_event("system.backup.restored", via="command", operator=operator, folder=str(folder),
                 backup_created_at=manifest["created_at"], tables=summary.tables, rows=summary.rows,
                 private_files=private_files, mismatched_tables=sorted(mismatches),
                 outcome=AuditOutcome.FAILURE if mismatches else AuditOutcome.SUCCESS)
    return summary
