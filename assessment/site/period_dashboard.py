"""What the assessment officer checks on a period before locking and publishing it (周期看板).

Each providing department's upload state comes from the indicators app's own service
(``indicators.selectors.upload_progress``: what it provides, its latest import). What is still missing is
read from the stored results instead of from the template's cells: a template has a row for every unit
of the scheme, but an indicator counts only for the units of the tracks that weight it, and the
recompute already lists exactly those cells that count and have no value (SPEC §4, status 缺失). So a
department that leaves a town's row blank for a department-only indicator is not chased for it.
The supervision side adds the period's efficiency warnings, counted only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from assessment.models import (
    Indicator,
    IndicatorScore,
    Period,
    ScoreStatus,
    TrackMembership,
    UnitResult,
    Verdict,
    VerdictKind,
)
from indicators.selectors import DepartmentProgress, upload_progress
from supervision.models import EfficiencyWarning, EfficiencyWarningKind


@dataclass
class MissingIndicator:
    indicator: Indicator
    missing_units: int


@dataclass
class DepartmentUploads:
    progress: DepartmentProgress
    missing_indicators: list[MissingIndicator] = field(default_factory=list)

    @property
    def department(self):
        return self.progress.department

    @property
    def missing_cells(self) -> int:
        """Values that count in the results and are missing (as of the latest computation)."""
        return sum(item.missing_units for item in self.missing_indicators)


def department_uploads(period: Period) -> list[DepartmentUploads]:
    """Every providing department with its latest import and its indicators that still miss values."""
    missing = dict(IndicatorScore.objects.filter(period=period, status=ScoreStatus.MISSING)
                   .values("indicator_id").annotate(units=Count("pk")).values_list("indicator_id", "units"))
    short: dict[int, list[MissingIndicator]] = defaultdict(list)
    for indicator in Indicator.objects.filter(pk__in=missing).order_by("sort_order", "code"):
        short[indicator.provider_id].append(MissingIndicator(indicator, missing[indicator.pk]))
    return [DepartmentUploads(item, short.get(item.department.pk, [])) for item in upload_progress(period)]


def reminder_text(period: Period, departments: list[DepartmentUploads]) -> str:
    """The reminder an officer pastes into a message to the departments that are behind."""
    behind = [item for item in departments if item.missing_cells]
    if not behind:
        return ""
    lines = [_("【数据填报提醒】%(scheme)s %(period)s：以下部门尚有统计数据未填报，请尽快登录平台下载模板、补齐后上传。")
             % {"scheme": period.scheme.name, "period": period.code}]
    for number, item in enumerate(behind, start=1):
        department = item.progress.department
        if item.progress.last_upload is None:
            status = _("尚未导入")
        else:
            status = _("缺%(cells)d项") % {"cells": item.missing_cells}
        indicators = _("、").join(_("%(code)s %(name)s（缺%(units)d个单位）") % {
            "code": short.indicator.code, "name": short.indicator.name, "units": short.missing_units}
            for short in item.missing_indicators)
        lines.append(_("%(number)d. %(department)s（%(status)s）：%(indicators)s") % {
            "number": number, "department": department.name, "status": status, "indicators": indicators})
    return "\n".join(lines)


@dataclass
class WarningSummary:
    # 效能预警 of the period's units: {kind label: number of units}. Counts only: what was flagged and
    # why belongs to the supervision pages.
    efficiency: list[tuple[str, str, int]]
    vetoed: list[tuple[UnitResult, list[str]]]
    third_tier: list[UnitResult]
    fallen: list[UnitResult]


def warning_summary(period: Period, fallen_limit: int = 5) -> WarningSummary:
    units = TrackMembership.objects.filter(scheme=period.scheme).values("unit_id")
    by_kind = Counter(EfficiencyWarning.objects.filter(period=period, unit_id__in=units)
                      .values_list("kind", flat=True))
    results = UnitResult.objects.filter(period=period).select_related("unit", "track").order_by(
        "track__sort_order", "track__code", "rank", "unit__code")
    veto_items: dict[int, list[str]] = defaultdict(list)
    vetoes = Verdict.objects.filter(period=period, kind=VerdictKind.VETO, approved_at__isnull=False)
    for verdict in vetoes.select_related("veto_item"):
        veto_items[verdict.unit_id].append(verdict.veto_item.name if verdict.veto_item else "")
    return WarningSummary(
        efficiency=[(kind.value, kind.label, by_kind.get(kind.value, 0)) for kind in EfficiencyWarningKind],
        vetoed=[(result, veto_items.get(result.unit_id, [])) for result in results.filter(vetoed=True)],
        third_tier=list(results.filter(tier=3)),
        fallen=list(results.filter(rank_change__lt=0).order_by("rank_change", "unit__code")[:fallen_limit]),
    )
