"""Efficiency warnings (效能预警, SPEC §7) on units in assessment periods.

- early sign (苗头预警): in an open period, a value imported before the period ended shows a
  target-type indicator's completion (value / target) behind the share of the period elapsed on the
  day of the import;
- deduction (扣分预警): an approved penalty adjustment (扣分) was recorded for the unit in the period;
- joint (联合预警): two or more departments flag the same unit in the same period. An early sign
  comes from the department that provides the indicator; a deduction from the assessment office,
  which records adjustments.

Early signs of a period that is no longer open are kept as they were last computed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Adjustment, Direction, Method, Period, PeriodState, Statistic
from supervision.models import EfficiencyWarning, EfficiencyWarningKind

# The department a deduction comes from: adjustments are recorded by the assessment office.
ASSESSMENT_OFFICE = "考核办"


@dataclass
class Flag:
    reasons: list[str]
    departments: list[str]

    def reason(self) -> str:
        return "；".join(self.reasons)[:500]


def elapsed_share(period: Period, day: datetime.date) -> Decimal:
    """The share of the period's days up to and including ``day``."""
    length = (period.end_date - period.start_date).days + 1
    elapsed = min(max((day - period.start_date).days + 1, 0), length)
    return Decimal(elapsed) / Decimal(length)


def early_signs(periods: list[Period]) -> dict[tuple[int, int], Flag]:
    """{(unit id, period id): flag} for target-type indicators behind time at their mid-period import."""
    flags: dict[tuple[int, int], Flag] = {}
    by_pk = {period.pk: period for period in periods}
    values = (
        Statistic.objects.filter(period__in=by_pk, indicator__method=Method.TARGET,
                                 indicator__direction=Direction.HIGHER, not_applicable=False, value__isnull=False)
        .filter(Q(target__gt=0) | Q(target__isnull=True, indicator__target__gt=0))
        .values_list("unit_id", "period_id", "value", "target", "indicator__target", "indicator__code",
                     "indicator__name", "indicator__provider__name", "batch__committed_at", "updated_at")
        .order_by("unit_id", "indicator__sort_order", "indicator__code")
    )
    for (unit_id, period_id, value, target, default_target, code, name, provider, committed_at,
         updated_at) in values:
        period = by_pk[period_id]
        imported_on = timezone.localdate(committed_at or updated_at)
        if imported_on >= period.end_date:
            continue  # a year-end value is the result, not an early sign
        completion = value / (target if target is not None else default_target)
        elapsed = elapsed_share(period, imported_on)
        if completion >= elapsed:
            continue
        flag = flags.setdefault((unit_id, period_id), Flag([], []))
        flag.reasons.append(_("%(code)s %(name)s完成%(completion)s，时间已过%(elapsed)s（%(department)s，%(day)s导入）") % {
            "code": code, "name": name, "completion": f"{completion:.1%}", "elapsed": f"{elapsed:.1%}",
            "department": provider, "day": imported_on.isoformat()})
        if provider not in flag.departments:
            flag.departments.append(provider)
    return flags


def deductions(periods: list[Period]) -> dict[tuple[int, int], Flag]:
    """{(unit id, period id): flag} for approved penalty adjustments."""
    flags: dict[tuple[int, int], Flag] = {}
    penalties = (Adjustment.objects.filter(period__in=periods, points__lt=0, approved_at__isnull=False)
                 .values_list("unit_id", "period_id", "points", "category", "reason").order_by("pk"))
    for unit_id, period_id, points, category, reason in penalties:
        flag = flags.setdefault((unit_id, period_id), Flag([], [ASSESSMENT_OFFICE]))
        flag.reasons.append(_("%(category)s扣%(points)s分：%(reason)s") % {
            "category": category, "points": f"{-points.normalize():f}", "reason": reason})
    return flags


def joint(flag_sets: list[dict[tuple[int, int], Flag]]) -> dict[tuple[int, int], Flag]:
    departments: dict[tuple[int, int], list[str]] = defaultdict(list)
    for flags in flag_sets:
        for key, flag in flags.items():
            departments[key].extend(name for name in flag.departments if name not in departments[key])
    return {
        key: Flag([_("%(count)d个部门在本期提出预警：%(departments)s") % {
            "count": len(names), "departments": "、".join(names)}], names)
        for key, names in departments.items() if len(names) >= 2
    }


@transaction.atomic
def evaluate_efficiency_warnings(on: datetime.date | None = None) -> int:
    """Store every period's efficiency warnings; returns how many there are. Rows that did not change
    keep their time, so ``raised_at`` tells when a warning first took its present form."""
    on = on or timezone.localdate()
    periods = list(Period.objects.filter(start_date__lte=on))
    open_periods = [period for period in periods if period.state == PeriodState.OPEN]
    signs = early_signs(open_periods)
    open_ids = {period.pk for period in open_periods}
    for unit_id, period_id, reason, departments in EfficiencyWarning.objects.filter(
            kind=EfficiencyWarningKind.EARLY_SIGN, period__in=periods).exclude(period__in=open_ids).values_list(
            "unit_id", "period_id", "reason", "departments"):
        signs[(unit_id, period_id)] = Flag([reason], list(departments))
    penalties = deductions(periods)
    wanted = {
        EfficiencyWarningKind.EARLY_SIGN: signs,
        EfficiencyWarningKind.DEDUCTION: penalties,
        EfficiencyWarningKind.JOINT: joint([signs, penalties]),
    }
    existing = {(row.unit_id, row.period_id, row.kind): row
                for row in EfficiencyWarning.objects.filter(period__in=periods)}
    created, changed = [], []
    for kind, flags in wanted.items():
        for (unit_id, period_id), flag in flags.items():
            row = existing.pop((unit_id, period_id, kind), None)
            if row is None:
                created.append(EfficiencyWarning(unit_id=unit_id, period_id=period_id, kind=kind,
                                                 reason=flag.reason(), departments=flag.departments))
            elif row.reason != flag.reason() or row.departments != flag.departments:
                row.reason, row.departments = flag.reason(), flag.departments
                changed.append(row)
    EfficiencyWarning.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    EfficiencyWarning.objects.bulk_create(created, batch_size=2000)
    for row in changed:  # few, and save() keeps raised_at honest (auto_now)
        row.save(update_fields=["reason", "departments", "raised_at"])
    return sum(len(flags) for flags in wanted.values())


def _recent(on: datetime.date | None = None):
    """Warnings of periods still open or ended within the last year: what the overview shows."""
    on = on or timezone.localdate()
    return EfficiencyWarning.objects.filter(Q(period__state=PeriodState.OPEN)
                                            | Q(period__end_date__gte=on - datetime.timedelta(days=365)))


def recent_efficiency_warnings(unit_ids: list[int]) -> dict[int, list[EfficiencyWarning]]:
    """{unit id: its recent efficiency warnings} for these units, in one query."""
    found: dict[int, list[EfficiencyWarning]] = defaultdict(list)
    for warning in _recent().filter(unit_id__in=unit_ids).select_related("period").order_by("period__end_date", "kind"):
        found[warning.unit_id].append(warning)
    return found


def recent_efficiency_counts() -> list[tuple[str, str, int]]:
    """(kind, label, number of recent warnings) for each kind."""
    counts = dict(_recent().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return [(kind.value, kind.label, counts.get(kind.value, 0)) for kind in EfficiencyWarningKind]
