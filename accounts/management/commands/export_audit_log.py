"""Archive a date range of the audit log to a file, before it is purged or for an inspection."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.audit_log import EXPORT_WRITERS, events_between
from accounts.break_glass import console_operator


def parse_day(value: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise CommandError(_("%(option)s 须为 YYYY-MM-DD 格式的日期：%(value)s") % {"option": option, "value": value}) from exc


class Command(BaseCommand):
    help = _("把某段日期（含首尾两天，本地时间）的审计日志导出为 .xlsx 或 .csv 文件存档；导出本身也记入审计日志。")

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help=_("起始日期 YYYY-MM-DD（含）"))
        parser.add_argument("--until", required=True, help=_("截止日期 YYYY-MM-DD（含）"))
        parser.add_argument("--output", required=True, type=Path, help=_("输出文件，扩展名为 .xlsx 或 .csv"))

    def handle(self, *args, since: str, until: str, output, **options):
        output = Path(output)  # call_command passes options as given, without the parser's type
        write = EXPORT_WRITERS.get(output.suffix.lower())
        if write is None:
            raise CommandError(_("只能导出为 .xlsx 或 .csv 文件：%(path)s") % {"path": output})
        first, last = parse_day(since, "--since"), parse_day(until, "--until")
        if last < first:
            raise CommandError(_("截止日期早于起始日期"))
        events = events_between(first, last)
        count = events.count()
        try:
            output.write_bytes(write(events))
        except OSError as exc:
            raise CommandError(_("无法写入文件 %(path)s：%(reason)s") % {"path": output, "reason": exc}) from exc
        record_event("audit.exported", via="command", since=first.isoformat(), until=last.isoformat(), rows=count,
                     path=str(output), operator=console_operator())
        self.stdout.write(self.style.SUCCESS(_("已导出%(count)d条审计记录（%(since)s 至 %(until)s）到 %(path)s") % {
            "count": count, "since": first.isoformat(), "until": last.isoformat(), "path": output}))
