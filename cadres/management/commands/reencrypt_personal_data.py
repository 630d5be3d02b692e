from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from accounts.audit import record_event
from cadres.key_rotation import reencrypt_cadres


class Command(BaseCommand):
    help = _("密钥轮换后，用 FIELD_ENCRYPTION_KEYS 中的第一个密钥重新加密全部干部的身份证号和电话")

    def handle(self, *args, **options):
        count = reencrypt_cadres()
        record_event("personal_data.reencrypted", count=count)
        self.stdout.write(_("已重新加密 %(count)d 名干部的身份证号和电话") % {"count": count})
