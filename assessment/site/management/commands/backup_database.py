from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.break_glass import console_operator
from assessment.site.backups import BackupError, backup_create


class Command(BaseCommand):
    help = _("备份数据库（pg_dump 自定义格式）和私有文件（上传的原件、记录附件）：在输出目录中新建一个带时间的"
             "备份目录，内含 database.dump、private-files.tar.gz 和记有校验值与各表行数的 manifest.json。"
             "备份记入审计日志。")

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help=_("存放备份的目录"))

    def handle(self, *args, output, **options):
        try:
            summary = backup_create(output_root=Path(output), operator=console_operator())
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(_(
            "已备份到 %(folder)s：%(tables)d 张表共 %(rows)d 行，私有文件 %(files)d 个。") % {
            "folder": summary.folder, "tables": summary.tables, "rows": summary.rows,
            "files": summary.private_files}))
