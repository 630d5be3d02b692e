from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from assessment.models import Scheme, Track
from assessment.site.demo import load_demo
from cadres.models import Appointment, Cadre, Unit


class Command(BaseCommand):
    help = _("载入演示区县（云溪区）：单位、赛道、干部、任职和各角色的演示账号。可重复运行。")

    def handle(self, *args, **options):
        users = load_demo()
        self.stdout.write(self.style.SUCCESS(_(
            "演示数据已就绪：单位%(units)d个，方案%(schemes)d个，赛道%(tracks)d个，干部%(cadres)d人，任职%(appointments)d条。"
        ) % {
            "units": Unit.objects.count(), "schemes": Scheme.objects.count(), "tracks": Track.objects.count(),
            "cadres": Cadre.objects.count(), "appointments": Appointment.objects.count(),
        }))
        self.stdout.write(_("演示账号（用户名 / 密码 / 角色）："))
        for user in users:
            self.stdout.write(f"  {user.username:<10} {user.password:<16} {user.role.label}")
