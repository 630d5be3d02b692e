from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.models import Period
from assessment.recompute import recompute_period


class Command(BaseCommand):
    help = _("同步重算一个考核周期的结果（与后台任务执行相同的代码）。")

    def add_arguments(self, parser):
        parser.add_argument("--scheme", required=True, help=_("方案名称"))
        parser.add_argument("--period", required=True, help=_("周期代码，例如 2024"))

    def handle(self, *args, scheme: str, period: str, **options):
        found = Period.objects.filter(scheme__name=scheme, code=period).order_by("-scheme__year").first()
        if found is None:
            raise CommandError(_("找不到方案“%(scheme)s”的周期“%(period)s”") % {"scheme": scheme, "period": period})
        timings = recompute_period(found.pk)
        self.stdout.write(self.style.SUCCESS(_(
            "已重算 %(period)s：%(units)d 个单位，%(cells)d 个指标得分；读取 %(load).3f 秒，计算 %(compute).3f 秒，"
            "保存 %(store).3f 秒"
        ) % {"period": found, "units": timings.units, "cells": timings.indicator_scores, "load": timings.load,
             "compute": timings.compute, "store": timings.store}))
