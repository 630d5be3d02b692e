from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cadres.roster import import_roster


class Command(BaseCommand):
    help = _("导入干部名册（.xlsx/.xls/.ods）。全部正确才导入；有错误时列出每一处并以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("干部名册文件"))
        parser.add_argument("--check", action="store_true", help=_("只检查，不导入"))

    def handle(self, *args, file: Path, check: bool, **options):
        if not file.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file})
        result = import_roster(file.read_bytes(), file.name, commit=not check)
        for problem in result.problems:
            label = _("错误") if problem.is_error else _("提醒")
            stream = self.stderr if problem.is_error else self.stdout
            stream.write(f"[{label}] {problem}")
        if result.errors:
            raise CommandError(
                _("名册有%(count)d处错误，未导入任何数据。") % {"count": len(result.errors)}
            )
        summary = _(
            "读取%(rows_read)d行：新增干部%(cadres_created)d人，更新%(cadres_updated)d人，无变化%(cadres_unchanged)d人；"
            "新增任职%(appointments_opened)d条，结束任职%(appointments_ended)d条，无变化%(appointments_unchanged)d条。"
        ) % result.counts()
        if check:
            self.stdout.write(_("检查通过（未导入）：") + summary)
        else:
            self.stdout.write(self.style.SUCCESS(_("已导入：") + summary))
