from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.scheme_workbook import SchemeRejected, apply_scheme, read_scheme_workbook


class Command(BaseCommand):
    help = _("载入考核方案工作簿（板块、赛道、单位、指标）并开启指定的考核周期。全部正确才载入；"
             "有错误时列出每一处并以非零状态退出。重复载入同一工作簿不会改变任何数据。")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("方案工作簿文件（.xlsx/.xls/.ods）"))
        parser.add_argument("--name", required=True, help=_("方案名称"))
        parser.add_argument("--year", required=True, type=int, help=_("方案年度，例如 2024"))
        parser.add_argument("--period", action="append", default=[], dest="periods", metavar="CODE",
                            help=_("要开启的周期代码，可重复，例如 --period 2024 --period 2024H1"))

    def handle(self, *args, file: Path, name: str, year: int, periods: list[str], **options):
        if not file.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file})
        draft, problems = read_scheme_workbook(file.read_bytes(), file.name)
        self._report(problems)
        errors = [problem for problem in problems if problem.is_error]
        if draft is None:
            raise CommandError(_("方案工作簿有%(count)d处错误，未载入任何数据。") % {"count": len(errors)})
        try:
            result = apply_scheme(draft, name=name, year=year, period_codes=periods)
        except SchemeRejected as rejected:
            self._report(rejected.problems)
            raise CommandError(_("未载入任何数据。")) from rejected
        self.stdout.write(self.style.SUCCESS(result.summary()))

    def _report(self, problems) -> None:
        for problem in problems:
            label = _("错误") if problem.is_error else _("提醒")
            stream = self.stderr if problem.is_error else self.stdout
            stream.write(f"[{label}] {problem}")
