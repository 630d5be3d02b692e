from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.break_glass import console_operator
from assessment.site.backups import (
    BackupError,
    backup_folder,
    backup_read,
    backup_restore,
    require_postgresql,
)


class Command(BaseCommand):
    help = _("从 backup_database 写出的备份恢复：先按清单核对备份文件的校验值，再用 pg_restore 在一个事务中"
             "替换当前数据库的全部数据，放回私有文件，并与清单核对各表行数。不加 --confirm 时只核对备份、不做任何"
             "修改。恢复前请停止网站、后台任务和定时任务进程。")

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help=_("备份目录（或其中的任一文件）"))
        parser.add_argument("--confirm", action="store_true",
                            help=_("确认用备份替换当前数据库的全部数据"))

    def handle(self, *args, backup, confirm: bool, **options):
        folder = backup_folder(Path(backup))
        try:
            manifest = backup_read(folder)
            require_postgresql()
        except BackupError as error:
            raise CommandError(str(error)) from error
        described = {"folder": folder, "created_at": manifest["created_at"],
                     "rows": sum(manifest["tables"].values()), "tables": len(manifest["tables"]),
                     "files": manifest["private_files"], "database": manifest["database"]["name"]}
        self.stdout.write(_("备份 %(folder)s 完好：备份于 %(created_at)s，来自数据库 %(database)s，%(tables)d 张表"
                            "共 %(rows)d 行，私有文件 %(files)d 个。") % described)
        if not confirm:
            raise CommandError(_("恢复将用这份备份替换当前数据库的全部数据，备份之后的修改（包括审计日志）都会丢失。"
                                 "请先停止网站和后台任务进程，确认后加 --confirm 再运行。"))
        try:
            summary = backup_restore(folder, operator=console_operator())
        except BackupError as error:
            raise CommandError(str(error)) from error
        if summary.mismatches:
            lines = [_("%(table)s：清单 %(expected)s 行，恢复后 %(found)s 行") % {
                "table": table, "expected": expected, "found": "—" if found is None else found}
                for table, (expected, found) in sorted(summary.mismatches.items())]
            raise CommandError(_("恢复后的行数与备份清单不符：") + "；".join(lines))
        self.stdout.write(self.style.SUCCESS(_(
            "已恢复：%(tables)d 张表共 %(rows)d 行与备份清单一致，私有文件 %(files)d 个已放回。") % {
            "tables": summary.tables, "rows": summary.rows, "files": summary.private_files}))
        if summary.unapplied_migrations:
            self.stdout.write(self.style.WARNING(_(
                "备份来自较旧的版本：还有 %(count)d 个数据库迁移未执行，请运行 manage.py migrate。") % {
                "count": summary.unapplied_migrations}))
