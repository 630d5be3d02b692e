import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.id_numbers import id_number_problem
from cadres.models import Cadre
from supervision.precheck import log_precheck, precheck


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("日期应写成 2026-03-01 的形式：%(text)s") % {"text": text}) from exc


class Command(BaseCommand):
    help = _("任前核查（数据研判前置）：第一行输出 eligible 或 blocked，随后列出每一项影响提拔的情形、"
             "所依据的记录和解除日期。")

    def add_arguments(self, parser):
        parser.add_argument("id_number", help=_("干部身份证号"))
        parser.add_argument("--date", help=_("核查日期，默认今天，格式 YYYY-MM-DD"))

    def handle(self, *args, id_number: str, date: str | None = None, **options):
        on = _date(date) if date else timezone.localdate()
        id_number = id_number.strip().upper()
        cadre = Cadre.objects.with_id_number(id_number).first()
        if cadre is None:
            problem = id_number_problem(id_number)
            reason = _("（%(problem)s）") % {"problem": problem} if problem else ""
            raise CommandError(_("系统中没有身份证号为 %(id)s 的干部%(reason)s") % {"id": id_number, "reason": reason})
        verdict = precheck(cadre, on)
        log_precheck(verdict, username="manage.py precheck", mode="command")
        self.stdout.write(verdict.status)
        for block in verdict.blocks:
            evidence = block.evidence or "—"
            self.stdout.write(_("- %(text)s｜依据：%(evidence)s｜解除日期：%(ends)s") % {
                "text": block.text, "evidence": evidence,
                "ends": block.ends_on.isoformat() if block.ends_on else _("无固定期限")})
        missing = [state.label for state in verdict.missing_checks]
        if missing:
            self.stdout.write(_("凡提四必未完成（不单独决定结论）：%(items)s") % {"items": "、".join(missing)})
