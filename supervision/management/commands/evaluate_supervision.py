import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from supervision.evaluation import evaluate_everyone


def parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("日期“%(value)s”无法识别，应写成 YYYY-MM-DD，如 2025-06-30") % {"value": value}) from exc


class Command(BaseCommand):
    help = _("按某日（默认今天）重新评估全部干部的积分与触线预警、各单位的红橙黄预警和效能预警（即每晚的任务）。")

    def add_arguments(self, parser):
        parser.add_argument("--date", help=_("评估日期 YYYY-MM-DD，默认今天"))

    def handle(self, *args, date: str | None = None, **options):
        summary = evaluate_everyone(parse_date(date))
        self.stdout.write(self.style.SUCCESS(_(
            "%(day)s：已评估%(cadres)d名干部（%(at_line)d人达到标准线，新增%(alerts)d条触线预警）、"
            "%(units)d个单位，效能预警%(efficiency)d条") % {
            "day": summary.on.isoformat(), "cadres": summary.cadres, "at_line": summary.cadres_at_a_line,
            "alerts": summary.alerts_raised, "units": summary.units, "efficiency": summary.efficiency_warnings}))
