"""What the recompute leaves to check on a period before it is locked: the units with missing values and
the tiers per track. The period dashboard (``assessment.site.period_dashboard``) shows them beside the
departments' uploads and the warnings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from assessment.models import Component, Indicator, IndicatorScore, Period, ScoreStatus, Track, UnitResult


@dataclass
class UnitMissing:
    result: UnitResult
    indicators: list[Indicator]
    components: list[str]


def missing_by_unit(period: Period) -> list[UnitMissing]:
    """Units whose stored result counts missing values (SPEC §4–§5: each scores 0 and must be confirmed
    before publishing), with the indicators and component scores that are missing."""
    results = list(UnitResult.objects.filter(period=period, missing_count__gt=0).select_related("unit", "track")
                   .order_by("track__sort_order", "track__code", "unit__code"))
    if not results:
        return []
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    for score in (IndicatorScore.objects.filter(period=period, status=ScoreStatus.MISSING,
                                                unit_id__in=[r.unit_id for r in results])
                  .select_related("indicator").order_by("indicator__sort_order", "indicator__code")):
        indicators[score.unit_id].append(score.indicator)
    components = {str(c.pk): c.name for c in Component.objects.filter(scheme=period.scheme, is_performance=False)}
    return [UnitMissing(result, indicators.get(result.unit_id, []),
                        [name for key, name in components.items() if result.component_scores.get(key) is None])
            for result in results]


@dataclass
class TierCount:
    track: Track
    counts: list[int]  # units in the first, second and third tier
    unranked: int
    vetoed: int
    affirmed: int

    @property
    def units(self) -> int:
        return sum(self.counts) + self.unranked


def tier_counts(period: Period) -> list[TierCount]:
    rows: dict[int, TierCount] = {}
    tracks = {track.pk: track for track in period.scheme.tracks.all()}
    for track_id, tier, vetoed, affirmed in UnitResult.objects.filter(period=period).values_list(
            "track_id", "tier", "vetoed", "affirmed"):
        row = rows.setdefault(track_id, TierCount(tracks[track_id], [0, 0, 0], 0, 0, 0))
        if tier in (1, 2, 3):
            row.counts[tier - 1] += 1
        else:
            row.unranked += 1
        row.vetoed += vetoed
        row.affirmed += affirmed
    return sorted(rows.values(), key=lambda row: (row.track.sort_order, row.track.code))
