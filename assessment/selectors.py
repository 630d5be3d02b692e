"""Reads of schemes, periods and results for pages, restricted to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.access import can, scoped_unit_id
from accounts.roles import Capability
from assessment.models import (
    Adjustment,
    DimensionKind,
    DimensionResult,
    IndicatorScore,
    Period,
    PeriodState,
    Responsibility,
    ScoreStatus,
    Track,
    UnitResult,
    Verdict,
)
from cadres.models import Unit


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


def unit_result_scope(user, period_pk: int, unit_pk: int) -> tuple[Period, Unit]:
    """The period and unit of a unit-level page or chart, or 403/404: officers see every unit; a unit
    viewer only its own, and only in published periods (another unit is "not found", not "forbidden",
    so that its existence is not confirmed)."""
    if not (can(user, Capability.VIEW_RESULTS) or can(user, Capability.VIEW_OWN_UNIT_RESULTS)):
        raise PermissionDenied
    period = period_for(user, period_pk)
    unit = get_object_or_404(Unit, pk=unit_pk)
    if not may_see_unit_result(user, unit):
        raise Http404
    return period, unit


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
    for item in scores:
        # Points lost (weight − score; a missing value loses the whole weight) and the score rate, for the
        # indicator table; an exempted indicator has neither.
        counts = item.status != ScoreStatus.NOT_APPLICABLE and item.weight
        item.lost = item.weight - (item.score or 0) if counts else None
        item.rate = (item.score or 0) / item.weight if counts else None
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


@dataclass
class Attribution:
    """实绩到人: a cadre and the unit's indicator scores attributed to them (SPEC §5)."""

    cadre: object
    scores: list[IndicatorScore]

    @property
    def score(self) -> float:
        return sum(item.score or 0 for item in self.scores)

    @property
    def weight(self) -> float:
        return sum(item.weight or 0 for item in self.scores)


def attributed_scores(detail: UnitResultDetail) -> list[Attribution]:
    by_cadre: dict[int, Attribution] = {}
    for item in detail.indicator_scores:
        responsibility = detail.responsibilities.get(item.indicator_id)
        if responsibility is None or item.status == ScoreStatus.NOT_APPLICABLE:
            continue
        by_cadre.setdefault(responsibility.cadre_id, Attribution(responsibility.cadre, [])).scores.append(item)
    return list(by_cadre.values())
