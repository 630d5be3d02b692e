from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.models import Period
from cadres.models import Unit
from indicators.models import ImportMode, ImportStatus
from indicators.uploads import import_statistics_file, problems_of


class Command(BaseCommand):
    help = _("导入一个部门的统计数据表：与网页上传相同的校验和保存。有错误时列出每一处、不保存任何数据并以非零状态"
             "退出；否则列出提醒并保存。默认新增和更新，--replace 时表中空白单元格清除原值。")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("统计数据表（.xlsx/.xls/.ods）"))
        parser.add_argument("--scheme", required=True, help=_("方案名称"))
        parser.add_argument("--period", required=True, help=_("周期代码，例如 2024"))
        parser.add_argument("--department", required=True, help=_("填报部门的单位代码"))
        parser.add_argument("--user", help=_("记为上传人的用户名"))
        parser.add_argument("--replace", action="store_true", help=_("整体替换：表中空白单元格清除原值"))

    def handle(self, *args, file: Path, scheme: str, period: str, department: str, user: str | None,
               replace: bool, **options):
        if not file.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file})
        periods = Period.objects.filter(scheme__name=scheme, code=period).select_related("scheme")
        if not periods:
            raise CommandError(_("找不到方案“%(scheme)s”的周期%(period)s") % {"scheme": scheme, "period": period})
        if len(periods) > 1:
            raise CommandError(_("有多个年度的方案名为“%(scheme)s”且有周期%(period)s，请先改名区分") % {
                "scheme": scheme, "period": period})
        provider = Unit.objects.filter(code=department).first()
        if provider is None:
            raise CommandError(_("找不到单位代码为%(code)s的部门") % {"code": department})
        uploader = None
        if user:
            uploader = get_user_model().objects.filter(username=user).first()
            if uploader is None:
                raise CommandError(_("找不到用户：%(user)s") % {"user": user})
        batch = import_statistics_file(file.read_bytes(), file.name, period=periods[0], department=provider,
                                       user=uploader, mode=ImportMode.REPLACE if replace else ImportMode.MERGE)
        for problem in problems_of(batch):
            label = _("错误") if problem.is_error else _("提醒")
            (self.stderr if problem.is_error else self.stdout).write(f"[{label}] {problem}")
        if batch.status != ImportStatus.COMMITTED:
            raise CommandError(_("统计数据表有%(count)d处错误，未保存任何数据。") % {"count": len(batch.errors)})
        counts = batch.counts
        self.stdout.write(self.style.SUCCESS(_(
            "已导入：新增%(created)d项，修改%(changed)d项，清除%(cleared)d项，未变%(unchanged)d项。") % counts))
