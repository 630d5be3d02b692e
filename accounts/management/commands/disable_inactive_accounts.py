from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from accounts.services import disable_inactive_accounts, inactive_accounts


class Command(BaseCommand):
    help = _("停用超过 ACCOUNT_INACTIVE_DAYS 天（默认90天）未登录的账号，每个都记入审计日志。Celery beat 每天运行一次。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只列出将被停用的账号，不停用"))

    def handle(self, *args, dry_run=False, **options):
        users = list(inactive_accounts()) if dry_run else disable_inactive_accounts()
        for user in users:
            self.stdout.write(f"  {user.get_username()}  {user.last_login or '—'}")
        message = _("%(count)d个账号超过%(days)d天未登录") if dry_run else _("已停用%(count)d个超过%(days)d天未登录的账号")
        self.stdout.write(self.style.SUCCESS(message % {"count": len(users), "days": settings.ACCOUNT_INACTIVE_DAYS}))
