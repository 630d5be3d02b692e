from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.exports import EXPORT_FORMATS, find_period, period_results_table


class Command(BaseCommand):
    help = _("导出一个考核周期各单位的结果（.csv 或 .xlsx，按文件扩展名），数值保留全部精度。")

    def add_arguments(self, parser):
        parser.add_argument("--scheme", required=True, help=_("方案名称"))
        parser.add_argument("--period", required=True, help=_("周期代码，例如 2024"))
        parser.add_argument("--output", required=True, type=Path, help=_("输出文件，扩展名为 .csv 或 .xlsx"))

    def handle(self, *args, scheme: str, period: str, output: Path | str, **options):
        output = Path(output)  # call_command passes options as given, without the parser's type
        write = EXPORT_FORMATS.get(output.suffix.lower())
        if write is None:
            raise CommandError(_("只能导出为 .csv 或 .xlsx 文件：%(path)s") % {"path": output})
        found = find_period(scheme, period)
        if found is None:
            raise CommandError(_("找不到方案“%(scheme)s”的周期“%(period)s”") % {"scheme": scheme, "period": period})
        table = period_results_table(found)
        if not table.rows:
            raise CommandError(_("周期“%(period)s”还没有计算结果，请先运行 manage.py recompute") % {"period": found})
        if found.recompute_pending:
            self.stderr.write(_("[提醒] 该周期的输入已有变化、正在等待重算，导出的是上一次计算的结果"))
        try:
            output.write_bytes(write(table))
        except OSError as exc:
            raise CommandError(_("无法写入文件 %(path)s：%(reason)s") % {"path": output, "reason": exc}) from exc
        self.stdout.write(self.style.SUCCESS(_("已导出%(count)d个单位的结果到 %(path)s") % {
            "count": len(table.rows), "path": output}))
