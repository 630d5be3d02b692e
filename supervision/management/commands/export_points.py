from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from supervision.management.commands.evaluate_supervision import parse_date
from supervision.warning_exports import EXPORT_FORMATS, points_table


class Command(BaseCommand):
    help = _("导出在任干部在某日（默认今天）的积分和标准线（.csv 或 .xlsx，按文件扩展名），由监督记录即时计算。")

    def add_arguments(self, parser):
        parser.add_argument("--date", help=_("计算日期 YYYY-MM-DD，默认今天"))
        parser.add_argument("--output", required=True, type=Path, help=_("输出文件，扩展名为 .csv 或 .xlsx"))

    def handle(self, *args, output: Path | str, date: str | None = None, **options):
        output = Path(output)
        write = EXPORT_FORMATS.get(output.suffix.lower())
        if write is None:
            raise CommandError(_("只能导出为 .csv 或 .xlsx 文件：%(path)s") % {"path": output})
        on = parse_date(date) or timezone.localdate()
        table = points_table(on)
        try:
            output.write_bytes(write(table))
        except OSError as exc:
            raise CommandError(_("无法写入文件 %(path)s：%(reason)s") % {"path": output, "reason": exc}) from exc
        record_event("supervision.points.exported", on=on.isoformat(), rows=len(table.rows), path=str(output))
        self.stdout.write(self.style.SUCCESS(_("已导出%(count)d名在任干部在 %(day)s 的积分到 %(path)s") % {
            "count": len(table.rows), "day": on.isoformat(), "path": output}))
