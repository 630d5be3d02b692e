"""A unit, a track or an indicator across periods (趋势分析).

A scheme is renewed every year under the same name, so "the same thing in earlier periods" means:
periods of the same type of schemes with the same name; a track is the same when it keeps its code
(as the recompute's progress does, assessment/recompute.py), an indicator when it keeps its code,
and a unit is itself. Callers pass the periods the user may see, so a unit viewer's trend holds
published periods only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from assessment.analysis.numbers import mean, median
from assessment.models import Indicator, IndicatorScore, Period, ScoreStatus, Track, UnitResult
from cadres.models import Unit


def period_series(period: Period, visible: QuerySet[Period]) -> list[Period]:
    """``period`` and the earlier periods of its series that are in ``visible``, oldest first."""
    return list(
        visible.filter(scheme__name=period.scheme.name, period_type=period.period_type,
                       start_date__lte=period.start_date)
        .select_related("scheme").order_by("start_date", "scheme__year", "pk")
    )


@dataclass
class UnitTrendPoint:
    period: Period
    result: UnitResult | None
    track_size: int | None = None  # units ranked beside it: the "of n" after a rank


def unit_trend(unit: Unit, periods: list[Period]) -> list[UnitTrendPoint]:
    results = {result.period_id: result for result in
               UnitResult.objects.filter(unit=unit, period__in=periods).select_related("track")}
    sizes = _track_sizes([result.track_id for result in results.values()], periods)
    return [UnitTrendPoint(period, results.get(period.pk),
                           sizes.get((period.pk, results[period.pk].track_id)) if period.pk in results else None)
            for period in periods]


def _track_sizes(track_ids: list[int], periods: list[Period]) -> dict[tuple[int, int], int]:
    """{(period id, track id): units with a result} — the "of n" after a rank."""
    sizes: dict[tuple[int, int], int] = defaultdict(int)
    for period_id, track_id in UnitResult.objects.filter(period__in=periods, track_id__in=track_ids).values_list(
            "period_id", "track_id"):
        sizes[(period_id, track_id)] += 1
    return sizes


@dataclass
class TrackTrendPoint:
    period: Period
    track: Track | None
    maximum: float | None = None
    median: float | None = None
    minimum: float | None = None
    mean: float | None = None
    units: int = 0


@dataclass
class TrackTrend:
    points: list[TrackTrendPoint]
    # Rank of each unit that was in the track in any of the periods: [(unit, [rank or None per period])].
    ranks: list[tuple[Unit, list[int | None]]] = field(default_factory=list)


def track_trend(track: Track, periods: list[Period]) -> TrackTrend:
    tracks = {t.scheme_id: t for t in Track.objects.filter(scheme__in={p.scheme_id for p in periods}, code=track.code)}
    results = list(UnitResult.objects.filter(period__in=periods, track__code=track.code).select_related("unit"))
    by_period: dict[int, list[UnitResult]] = defaultdict(list)
    for result in results:
        by_period[result.period_id].append(result)
    points = []
    for period in periods:
        totals = [r.total for r in by_period[period.pk] if r.total is not None]
        points.append(TrackTrendPoint(
            period=period, track=tracks.get(period.scheme_id), units=len(by_period[period.pk]),
            maximum=max(totals) if totals else None, median=median(totals), minimum=min(totals) if totals else None,
            mean=mean(totals)))
    ranks: dict[int, dict[int, int | None]] = defaultdict(dict)
    units: dict[int, Unit] = {}
    for result in results:
        ranks[result.unit_id][result.period_id] = result.rank
        units[result.unit_id] = result.unit
    latest = periods[-1].pk if periods else None
    order = sorted(units, key=lambda unit_id: (ranks[unit_id].get(latest) is None, ranks[unit_id].get(latest) or 0,
                                                units[unit_id].code))
    return TrackTrend(points=points, ranks=[
        (units[unit_id], [ranks[unit_id].get(period.pk) for period in periods]) for unit_id in order])


@dataclass
class IndicatorTrendLine:
    track_code: str
    track_name: str
    medians: list[float | None]  # the track's median value, one per period
    counts: list[int]  # units with a scored value


def indicator_trend(indicator: Indicator, periods: list[Period]) -> list[IndicatorTrendLine]:
    """The track median of the indicator's value (after per-capita division) in each period."""
    rows = (IndicatorScore.objects.filter(period__in=periods, indicator__code=indicator.code,
                                          indicator__scheme__name=indicator.scheme.name, status=ScoreStatus.SCORED,
                                          scored_value__isnull=False)
            .order_by("period__start_date")
            .values_list("period_id", "track__code", "track__name", "track__sort_order", "scored_value"))
    values: dict[tuple[str, int], list[float]] = defaultdict(list)
    names: dict[str, tuple[int, str]] = {}
    for period_id, code, name, sort_order, value in rows:
        values[(code, period_id)].append(value)
        names[code] = (sort_order, name)  # the latest period's name wins
    lines = []
    for code, (_sort_order, name) in sorted(names.items(), key=lambda item: (item[1][0], item[0])):
        lines.append(IndicatorTrendLine(
            track_code=code, track_name=name,
            medians=[median(values.get((code, period.pk), [])) for period in periods],
            counts=[len(values.get((code, period.pk), [])) for period in periods]))
    return lines
