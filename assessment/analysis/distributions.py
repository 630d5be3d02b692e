"""One indicator across the units of each track (指标分析): spread, outliers and lost points.

Values are the scored values, i.e. after per-capita division, which is what the units of a track
are compared on (SPEC §4). Lost points are weight − score: a missing value loses the whole weight.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from assessment.analysis.numbers import Spread, spread
from assessment.models import Indicator, IndicatorScore, Period, ScoreStatus, Track
from cadres.models import Unit


@dataclass
class UnitValue:
    unit: Unit
    value: float


@dataclass
class TrackDistribution:
    track: Track
    weight: float | None
    values: list[UnitValue]
    missing: int = 0
    not_applicable: int = 0
    spread: Spread | None = None
    low_outliers: list[UnitValue] = field(default_factory=list)
    high_outliers: list[UnitValue] = field(default_factory=list)
    whiskers: tuple[float, float] | None = None

    @property
    def outliers(self) -> list[UnitValue]:
        return self.low_outliers + self.high_outliers


@dataclass
class LostPoints:
    unit: Unit
    track: Track
    weight: float
    score: float
    status: str

    @property
    def lost(self) -> float:
        return self.weight - self.score


def _scores(period: Period, indicator: Indicator) -> list[IndicatorScore]:
    return list(IndicatorScore.objects.filter(period=period, indicator=indicator)
                .select_related("unit", "track").order_by("track__sort_order", "track__code", "unit__code"))


def indicator_distribution(period: Period, indicator: Indicator) -> list[TrackDistribution]:
    """Per track in the scheme's order: the scored values, their five-number summary and the outliers
    beyond 1.5 interquartile ranges from the quartiles (Tukey's fences)."""
    by_track: dict[int, TrackDistribution] = {}
    for row in _scores(period, indicator):
        distribution = by_track.setdefault(row.track_id, TrackDistribution(track=row.track, weight=row.weight,
                                                                          values=[]))
        if row.status == ScoreStatus.MISSING:
            distribution.missing += 1
        elif row.status == ScoreStatus.NOT_APPLICABLE:
            distribution.not_applicable += 1
        elif row.scored_value is not None:
            distribution.values.append(UnitValue(row.unit, row.scored_value))
    for distribution in by_track.values():
        distribution.values.sort(key=lambda item: (-item.value, item.unit.code))
        numbers = [item.value for item in distribution.values]
        distribution.spread = spread(numbers)
        if distribution.spread is None:
            continue
        distribution.whiskers = distribution.spread.whiskers(numbers)
        distribution.low_outliers = sorted((item for item in distribution.values
                                            if item.value < distribution.spread.lower_fence), key=lambda i: i.value)
        distribution.high_outliers = sorted((item for item in distribution.values
                                             if item.value > distribution.spread.upper_fence), key=lambda i: -i.value)
    return list(by_track.values())


def indicator_lost_points(period: Period, indicator: Indicator, limit: int = 10) -> list[LostPoints]:
    """The units that lost most points on the indicator, across tracks (points are comparable: each
    track's weights sum to 100). Exempted units lose nothing and are left out."""
    losses = [LostPoints(unit=row.unit, track=row.track, weight=row.weight, score=row.score or 0.0, status=row.status)
              for row in _scores(period, indicator)
              if row.status != ScoreStatus.NOT_APPLICABLE and row.weight]
    losses = [loss for loss in losses if loss.lost > 0]
    return sorted(losses, key=lambda loss: (-loss.lost, loss.unit.code))[:limit]


def indicators_with_scores(period: Period) -> list[Indicator]:
    """The scheme's indicators that have scores in this period, in the scheme's order, for a picker."""
    scored = set(IndicatorScore.objects.filter(period=period).values_list("indicator_id", flat=True).distinct())
    indicators = Indicator.objects.filter(scheme=period.scheme).select_related("dimension")
    return [indicator for indicator in indicators.order_by("dimension__sort_order", "sort_order", "code")
            if indicator.pk in scored]


def group_by_dimension(indicators: list[Indicator]) -> list[tuple[str, list[Indicator]]]:
    groups: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        groups[indicator.dimension.name].append(indicator)
    return list(groups.items())
