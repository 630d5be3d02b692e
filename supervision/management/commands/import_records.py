from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from supervision.record_import import import_records
from supervision.records import describe_alert


class Command(BaseCommand):
    help = _("导入一批监督记录（.xlsx/.xls/.ods）：与网页导入相同的检查。全部正确才导入；有错误时列出每一处、"
             "不导入任何记录并以非零状态退出。同一文件重复导入不会重复登记。")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("监督记录表"))
        parser.add_argument("--user", help=_("记为导入人的用户名"))

    def handle(self, *args, file: Path, user: str | None, **options):
        if not file.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file})
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(_("找不到用户：%(user)s") % {"user": user})
        result = import_records(file.read_bytes(), file.name, user=importer)
        for problem in result.problems:
            label = _("错误") if problem.is_error else _("提醒")
            (self.stderr if problem.is_error else self.stdout).write(f"[{label}] {problem}")
        if not result.committed:
            raise CommandError(_("监督记录表有%(count)d处错误，未导入任何记录。") % {"count": len(result.errors)})
        self.stdout.write(self.style.SUCCESS(_(
            "已导入：读取%(rows_read)d行，新增记录%(created)d条，已有记录%(unchanged)d条，登记办理结果%(outcomes_recorded)d条，"
            "生成关联记录%(follow_ups)d条，新预警%(alerts)d条。") % result.counts()))
        for alert in result.alerts:
            self.stdout.write(self.style.WARNING(describe_alert(alert)))
