"""The demo accounts' current second-factor codes, for trying the demo without a phone (demo only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import code_now, provisioning_uri
from assessment.site.demo import DEMO_USERS


class Command(BaseCommand):
    help = _("演示专用：显示演示账号当前的6位验证码和身份验证器的绑定地址（生产环境拒绝运行）。")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help=_("只显示这个演示账号的验证码"))
        parser.add_argument("--uri", action="store_true", help=_("同时显示 otpauth:// 绑定地址，可导入手机验证器"))

    def handle(self, *args, username=None, uri=False, **options):
        if settings.PRODUCTION:
            raise CommandError(_("生产环境没有演示账号，此命令不可用"))
        demo_names = [demo.username for demo in DEMO_USERS]
        if username and username not in demo_names:
            raise CommandError(_("%(name)s 不是演示账号") % {"name": username})
        devices = {device.user.username: device for device in TOTPDevice.objects.filter(
            user__username__in=[username] if username else demo_names, confirmed=True).select_related("user")}
        if username:
            if username not in devices:
                raise CommandError(_("%(name)s 没有绑定身份验证器；请先运行 load_demo") % {"name": username})
            self.stdout.write(code_now(devices[username])[0])
            return
        self.stdout.write(_("演示账号的验证码（用户名 / 验证码 / 剩余秒数）："))
        for demo in DEMO_USERS:
            device = devices.get(demo.username)
            if device is None:
                continue
            code, seconds = code_now(device)
            self.stdout.write(f"  {demo.username:<10} {code}  {seconds:>2}s  {demo.role.label}")
            if uri:
                self.stdout.write(f"      {provisioning_uri(device)}")
