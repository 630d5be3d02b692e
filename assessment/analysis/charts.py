"""The numbers behind each chart, as the JSON that static/js/charts.js draws.

Every payload names its ``kind`` (radar, bar, line, boxplot) and carries plain numbers, already
rounded for display; how they are drawn is the script's business. A payload with ``empty`` true has
nothing to draw, and the page says so. The same functions feed the tables printed beside the charts,
so what is drawn and what is tabled cannot disagree.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from assessment.analysis.distributions import TrackDistribution
from assessment.analysis.domains import DomainComparison
from assessment.analysis.numbers import percent, rounded
from assessment.analysis.period_overview import TierCount
from assessment.analysis.trends import IndicatorTrendLine, TrackTrend, UnitTrendPoint
from assessment.models import DimensionResult, Scheme


def radar_chart(dimensions: list[DimensionResult]) -> dict:
    """A unit's score rate per dimension against its track's median, in per cent."""
    rated = [d for d in dimensions if d.rate is not None]
    # Rates sit between 70 % and 100 % for most units: the axes start a step below the lowest value
    # drawn, so that a gap of a few points to the median is visible (the table gives the exact numbers).
    lowest = min((value * 100 for d in rated for value in (d.rate, d.track_median) if value is not None), default=0)
    start = max(0, math.floor(lowest / 10) * 10 - 10)
    return {
        "kind": "radar",
        "empty": not rated,
        "unit": "%",
        "axes": [{"name": d.dimension.name, "min": start, "max": 100} for d in rated],
        "series": [
            {"name": _("本单位得分率"), "values": [percent(d.rate) for d in rated]},
            {"name": _("赛道中位数"), "values": [percent(d.track_median) for d in rated]},
        ],
    }


def unit_trend_chart(points: list[UnitTrendPoint]) -> dict:
    """Total (left axis) and rank in the track (right axis, from 1 at the top to the track's size)."""
    sizes = [point.track_size for point in points if point.track_size]
    return {
        "kind": "line",
        "empty": not any(point.result for point in points),
        "categories": [point.period.code for point in points],
        "axes": [{"name": _("总分")},
                 {"name": _("名次"), "inverse": True, "integer": True, "max": max(sizes) if sizes else None}],
        "series": [
            {"name": _("总分"), "axis": 0, "values": [rounded(point.result.total) if point.result else None
                                                    for point in points]},
            {"name": _("名次"), "axis": 1, "values": [point.result.rank if point.result else None
                                                    for point in points]},
        ],
    }


def tier_chart(rows: list[TierCount], scheme: Scheme) -> dict:
    """Units per tier in each track, stacked."""
    return {
        "kind": "bar",
        "empty": not rows,
        "stack": True,
        "unit": _("个"),
        "categories": [row.track.name for row in rows],
        "series": [{"name": scheme.tier_name(tier), "tier": tier, "values": [row.counts[tier - 1] for row in rows]}
                   for tier in (1, 2, 3)],
    }


def indicator_boxplot(distributions: list[TrackDistribution], measure: str) -> dict:
    """Per track: whisker ends, quartiles and median of the values, and the outliers beyond the fences."""
    drawn = [d for d in distributions if d.spread is not None]
    return {
        "kind": "boxplot",
        "empty": not drawn,
        "unit": measure,
        "categories": [d.track.name for d in drawn],
        "boxes": [[rounded(d.whiskers[0]), rounded(d.spread.first_quartile), rounded(d.spread.median),
                   rounded(d.spread.third_quartile), rounded(d.whiskers[1])] for d in drawn],
        "outliers": [{"category": index, "value": rounded(item.value), "name": item.unit.name}
                     for index, d in enumerate(drawn) for item in d.outliers],
    }


def track_trend_chart(trend: TrackTrend) -> dict:
    points = trend.points
    return {
        "kind": "line",
        "empty": not any(point.units for point in points),
        "categories": [point.period.code for point in points],
        "axes": [{"name": _("总分")}],
        "series": [
            {"name": _("最高分"), "axis": 0, "values": [rounded(point.maximum) for point in points]},
            {"name": _("中位数"), "axis": 0, "values": [rounded(point.median) for point in points]},
            {"name": _("最低分"), "axis": 0, "values": [rounded(point.minimum) for point in points]},
        ],
    }


def indicator_trend_chart(lines: list[IndicatorTrendLine], categories: list[str], measure: str) -> dict:
    return {
        "kind": "line",
        "empty": not any(value is not None for line in lines for value in line.medians),
        "unit": measure,
        "categories": categories,
        "axes": [{"name": _("赛道中位数")}],
        "series": [{"name": line.track_name, "axis": 0, "values": [rounded(value) for value in line.medians]}
                   for line in lines],
    }


def domain_chart(comparison: DomainComparison) -> dict:
    """Median score rate of each track's units per dimension, grouped by dimension."""
    rows = comparison.rows()
    return {
        "kind": "bar",
        "empty": not rows,
        "stack": False,
        "unit": "%",
        "max": 100,
        "categories": [dimension.name for dimension, _cells in rows],
        "series": [{"name": track.name,
                    "values": [percent(cells[index].summary.median) if cells[index].summary else None
                               for _dimension, cells in rows]}
                   for index, track in enumerate(comparison.tracks)],
    }
