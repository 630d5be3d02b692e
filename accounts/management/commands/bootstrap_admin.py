"""A new installation's first administrators, without any default password.

    manage.py bootstrap_admin anquan --role security_admin --full-name 林安全     # password typed at a prompt
    manage.py bootstrap_admin xitong --role system_admin --generate-password      # shown once, changed at first login

Only while nobody holds the role: after that, the system administrator creates users in admin and the
security administrator assigns roles in the app."""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.break_glass import console_operator, generated_password
from accounts.passwords import require_change_at_next_login
from accounts.roles import ADMINISTRATOR_ROLES, Role
from accounts.services import sync_role_groups, user_assign_roles


class Command(BaseCommand):
    help = _("新系统的第一位系统管理员、安全管理员或审计管理员：没有默认密码，密码在提示符下输入，或随机生成并只显示一次。"
             "该角色已有人担任时拒绝运行。")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(role.value for role in ADMINISTRATOR_ROLES))
        parser.add_argument("--full-name", default="", help=_("姓名"))
        parser.add_argument("--generate-password", action="store_true",
                            help=_("随机生成密码并只显示一次；该用户首次登录时须修改"))

    def handle(self, *args, username: str, role: str, full_name: str = "", generate_password: bool = False,
               **options):
        role = Role(role)
        User = get_user_model()
        sync_role_groups()
        if User.objects.filter(groups__name=role.value, is_active=True).exists():
            raise CommandError(_("已有%(role)s：请由安全管理员在系统中分配角色") % {"role": role.label})
        if User.objects.filter(username=username).exists():
            raise CommandError(_("账号 %(name)s 已存在") % {"name": username})
        password = generated_password() if generate_password else self.typed_password(username)
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
            user_assign_roles(user=user, roles=[role], full_name=full_name)
            if generate_password:
                require_change_at_next_login(user)
            record_event("accounts.admin_bootstrapped", obj=user, username=username, role=role.value,
                         generated_password=generate_password, operator=console_operator())
        self.stdout.write(self.style.SUCCESS(_("已创建%(role)s %(name)s。") % {"role": role.label, "name": username}))
        if generate_password:
            self.stdout.write(_("密码（只显示这一次，首次登录时须修改）：%(password)s") % {"password": password})
        self.stdout.write(_("首次登录时须绑定身份验证器（双因素认证）。"))

    def typed_password(self, username: str) -> str:
        if not self.stdin_is_interactive():
            raise CommandError(_("没有终端可以输入密码：请在终端运行，或使用 --generate-password"))
        user = get_user_model()(username=username)
        for _attempt in range(3):
            password = getpass.getpass(_("密码："))
            if password != getpass.getpass(_("再次输入密码：")):
                self.stderr.write(_("两次输入的密码不一致"))
                continue
            try:
                validate_password(password, user)
            except ValidationError as exc:
                self.stderr.write("\n".join(exc.messages))
                continue
            return password
        raise CommandError(_("密码未设置"))

    @staticmethod
    def stdin_is_interactive() -> bool:
        import sys

        return sys.stdin.isatty()
