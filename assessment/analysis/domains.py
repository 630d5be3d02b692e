"""Tracks compared dimension by dimension (领域分析): the mean and median score rate of each track's units."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from assessment.analysis.numbers import mean, median
from assessment.models import Dimension, DimensionResult, Period, Track, UnitResult


@dataclass(frozen=True)
class RateSummary:
    mean: float | None
    median: float | None
    units: int


@dataclass(frozen=True)
class DomainCell:
    summary: RateSummary | None
    mark: str  # "best" or "worst" among the tracks on this dimension, else ""


@dataclass
class DomainComparison:
    dimensions: list[Dimension]
    tracks: list[Track]
    cells: dict[tuple[int, int], RateSummary]  # (dimension id, track id)

    def rows(self) -> list[tuple[Dimension, list[DomainCell]]]:
        """Per dimension, each track's summary; the tracks with the highest and lowest median are marked."""
        rows = []
        for dimension in self.dimensions:
            summaries = [self.cells.get((dimension.pk, track.pk)) for track in self.tracks]
            medians = [summary.median for summary in summaries if summary and summary.median is not None]
            best, worst = (max(medians), min(medians)) if len(medians) > 1 else (None, None)
            rows.append((dimension, [DomainCell(summary, "" if summary is None or best == worst else
                                                "best" if summary.median == best else
                                                "worst" if summary.median == worst else "")
                                     for summary in summaries]))
        return rows


def domain_comparison(period: Period) -> DomainComparison:
    track_of = dict(UnitResult.objects.filter(period=period).values_list("unit_id", "track_id"))
    rows = DimensionResult.objects.filter(period=period, rate__isnull=False).values_list("dimension_id", "unit_id",
                                                                                          "rate")
    rates: dict[tuple[int, int], list[float]] = defaultdict(list)
    for dimension_id, unit_id, rate in rows:
        track_id = track_of.get(unit_id)
        if track_id is None:
            continue
        rates[(dimension_id, track_id)].append(rate)
    cells = {key: RateSummary(mean(values), median(values), len(values)) for key, values in rates.items()}
    dimension_ids = {dimension_id for dimension_id, _track in rates}
    track_ids = {track_id for _dimension, track_id in rates}
    return DomainComparison(
        dimensions=list(Dimension.objects.filter(pk__in=dimension_ids).order_by("sort_order", "name")),
        tracks=list(Track.objects.filter(pk__in=track_ids).order_by("sort_order", "code")),
        cells=cells,
    )
