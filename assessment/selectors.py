"""Reads of schemes, periods and results for pages, restricted to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import can, scoped_unit_id
from accounts.roles import Capability
from assessment.models import (
    Adjustment,
    DimensionKind,
    DimensionResult,
    IndicatorScore,
    Period,
    PeriodState,
    Track,
    UnitResult,
    Verdict,
)
from cadres.models import Unit
from indicators.models import Responsibility


def periods_visible_to(user) -> QuerySet[Period]:
    periods = Period.objects.select_related("scheme")
    if can(user, Capability.VIEW_RESULTS):
        return periods
    if can(user, Capability.VIEW_OWN_UNIT_RESULTS):
        return periods.filter(state=PeriodState.PUBLISHED)
    return periods.none()


def period_for(user, pk: int) -> Period:
    try:
        return periods_visible_to(user).get(pk=pk)
    except Period.DoesNotExist as exc:
        raise Http404 from exc


def may_see_unit_result(user, unit: Unit) -> bool:
    if can(user, Capability.VIEW_RESULTS):
        return True
    return can(user, Capability.VIEW_OWN_UNIT_RESULTS) and scoped_unit_id(user) == unit.pk


def period_ranking(period: Period, track: Track) -> list[UnitResult]:
    return list(
        UnitResult.objects.filter(period=period, track=track).select_related("unit").order_by("rank", "unit__code")
    )


@dataclass
class UnitResultDetail:
    result: UnitResult | None
    indicator_scores: list[IndicatorScore]
    dimensions: list[DimensionResult]
    strengths: list[DimensionResult]
    weaknesses: list[DimensionResult]
    adjustments: list[Adjustment]
    verdicts: list[Verdict]
    responsibilities: dict[int, Responsibility]


def unit_result_detail(period: Period, unit: Unit) -> UnitResultDetail:
    result = UnitResult.objects.filter(period=period, unit=unit).select_related("track").first()
    scores = list(
        IndicatorScore.objects.filter(period=period, unit=unit)
        .select_related("indicator", "indicator__dimension")
        .order_by("indicator__dimension__sort_order", "indicator__sort_order", "indicator__code")
    )
    dimensions = list(
        DimensionResult.objects.filter(period=period, unit=unit).select_related("dimension")
        .order_by("dimension__sort_order", "dimension__name")
    )
    by_difference = sorted(
        (d for d in dimensions if d.rate is not None and d.track_median is not None),
        key=lambda d: d.rate - d.track_median,
    )
    return UnitResultDetail(
        result=result,
        indicator_scores=scores,
        dimensions=dimensions,
        strengths=[d for d in reversed(by_difference) if d.kind == DimensionKind.STRENGTH],
        weaknesses=[d for d in by_difference if d.kind == DimensionKind.WEAKNESS],
        adjustments=list(Adjustment.objects.filter(period=period, unit=unit).order_by("pk")),
        verdicts=list(Verdict.objects.filter(period=period, unit=unit).select_related("veto_item")),
        responsibilities={
            r.indicator_id: r for r in Responsibility.objects.filter(
                unit=unit, indicator__scheme_id=period.scheme_id).select_related("cadre")
        },
    )


@dataclass
class RankingRow:
    result: UnitResult
    component_scores: list[float | None]


def ranking_rows(period: Period, track: Track) -> tuple[list, list[RankingRow]]:
    """The track's ranking with each component's score in the scheme's component order."""
    components = list(period.scheme.components.order_by("sort_order", "pk"))
    rows = [
        RankingRow(result, [result.component_scores.get(str(component.pk)) for component in components])
        for result in period_ranking(period, track)
    ]
    return components, rows
