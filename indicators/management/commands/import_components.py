from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.models import Period
from indicators.component_import import import_component_scores


class Command(BaseCommand):
    help = _("导入板块得分表（单位代码 + 每个板块一列 0–100 分）：与网页导入相同的校验和保存。有错误时列出每一处、"
             "不保存任何数据并以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("板块得分表（.xlsx/.xls/.ods）"))
        parser.add_argument("--scheme", required=True, help=_("方案名称"))
        parser.add_argument("--period", required=True, help=_("周期代码，例如 2024"))

    def handle(self, *args, file: Path, scheme: str, period: str, **options):
        if not file.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file})
        periods = list(Period.objects.filter(scheme__name=scheme, code=period).select_related("scheme"))
        if len(periods) != 1:
            raise CommandError(_("找不到方案“%(scheme)s”的周期%(period)s") % {"scheme": scheme, "period": period}
                               if not periods else
                               _("有多个年度的方案名为“%(scheme)s”且有周期%(period)s，请先改名区分") % {
                                   "scheme": scheme, "period": period})
        result = import_component_scores(file.read_bytes(), file.name, period=periods[0])
        for problem in result.problems:
            label = _("错误") if problem.is_error else _("提醒")
            (self.stderr if problem.is_error else self.stdout).write(f"[{label}] {problem}")
        if not result.committed:
            raise CommandError(_("板块得分表有%(count)d处错误，未保存任何数据。") % {"count": len(result.errors)})
        self.stdout.write(self.style.SUCCESS(_("已导入%(scores)d个得分，其中%(changed)d个有变化。") % {
            "scores": result.scores, "changed": result.changed}))
