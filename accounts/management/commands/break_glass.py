"""The documented emergency: a superuser for a few hours, with a reason, on the audit log."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.break_glass import console_operator, end_break_glass, grant_break_glass


class Command(BaseCommand):
    help = _("应急超级用户（break-glass）：在服务器控制台为一个账号授予限时超级用户权限，须写明原因；"
             "授予、到期和提前结束都记入审计日志。日常工作不使用超级用户。")

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("账号；不存在时新建，并只显示一次随机密码"))
        parser.add_argument("--reason", default="", help=_("原因（必填），例如工单号和要处理的问题"))
        parser.add_argument("--hours", type=int, default=2,
                            help=_("时长（小时），默认2，最多 BREAK_GLASS_MAX_HOURS（默认8）"))
        parser.add_argument("--end", action="store_true", help=_("提前结束该账号的超级用户权限"))

    def handle(self, *args, username: str, reason: str = "", hours: int = 2, end: bool = False, **options):
        operator = console_operator()
        if end:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(_("没有账号 %(name)s") % {"name": username})
            end_break_glass(user, why="ended", operator=operator)
            self.stdout.write(self.style.SUCCESS(_("已结束 %(name)s 的超级用户权限") % {"name": username}))
            return
        try:
            user, grant, password = grant_break_glass(username=username, reason=reason, hours=int(hours),
                                                      operator=operator)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        until = timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(self.style.WARNING(_("%(name)s 是超级用户，到 %(until)s 为止（已记入审计日志）。") % {
            "name": user.get_username(), "until": until}))
        if password:
            self.stdout.write(_("新账号的密码（只显示这一次）：%(password)s") % {"password": password})
        self.stdout.write(_("登录时同样须通过双因素认证；首次登录先绑定身份验证器。"
                            "用完请运行：manage.py break_glass %(name)s --end") % {"name": user.get_username()})
