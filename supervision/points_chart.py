"""A cadre's points at each month end of the last three years, as geometry for a server-rendered SVG.

No chart library: the page draws a polyline and three dashed lines from these numbers, and shows the
same numbers in a table for readers who cannot see the chart.
"""

from __future__ import annotations

import calendar
import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from supervision.points import Line, Rules, line_of, points_at

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 72, 12, 28  # the right margin holds the names of the lines


@dataclass(frozen=True)
class ChartPoint:
    day: datetime.date
    points: Decimal
    line: str
    x: float
    y: float


@dataclass(frozen=True)
class ChartLine:
    key: str
    label: str
    threshold: Decimal
    y: float


@dataclass(frozen=True)
class PointsChart:
    points: list[ChartPoint]
    lines: list[ChartLine]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def description(self) -> str:
        if not self.points:
            return ""
        highest = max(self.points, key=lambda point: point.points)
        return _("%(start)s 至 %(end)s 各月末积分，最高 %(points)s 分（%(day)s）") % {
            "start": self.points[0].day.isoformat(), "end": self.points[-1].day.isoformat(),
            "points": f"{highest.points.normalize():f}", "day": highest.day.isoformat()}


def month_ends(on: datetime.date, count: int = 36) -> list[datetime.date]:
    """The last ``count`` month ends up to ``on``; the current month's end is ``on`` itself."""
    days = []
    for back in range(count - 1, -1, -1):
        index = on.year * 12 + on.month - 1 - back
        year, month = divmod(index, 12)
        days.append(datetime.date(year, month + 1, calendar.monthrange(year, month + 1)[1]))
    days[-1] = on
    return days


def _nice_top(value: Decimal) -> int:
    top = max(int(math.ceil(float(value))), 1)
    step = 5 if top > 10 else 2
    return int(math.ceil(top / step) * step)


def points_chart(dated_points: list[tuple[datetime.date, Decimal]], on: datetime.date, rules: Rules,
                 months: int = 36) -> PointsChart:
    """Points at each month end (``rules`` applied throughout) and the three lines, placed on the canvas."""
    days = month_ends(on, months)
    values = [points_at(dated_points, day, rules) for day in days]
    top_value = _nice_top(max([*values, rules.admonishment_line * Decimal("1.2")]))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(index: int) -> float:
        return LEFT + plot_width * index / max(len(days) - 1, 1)

    def y_of(value: Decimal) -> float:
        return TOP + plot_height * (1 - float(value) / top_value)

    points = [ChartPoint(day, value, line_of(value, rules), x_of(index), y_of(value))
              for index, (day, value) in enumerate(zip(days, values, strict=True))]
    lines = [ChartLine(line.value, str(line.label), threshold, y_of(threshold)) for line, threshold in (
        (Line.REMINDER, rules.reminder_line), (Line.INQUIRY, rules.inquiry_line),
        (Line.ADMONISHMENT, rules.admonishment_line))]
    x_labels = [(point.x, point.day.strftime("%Y-%m")) for index, point in enumerate(points)
                if index % 6 == (len(points) - 1) % 6]
    step = 5 if top_value > 10 else 2
    y_ticks = [(y_of(Decimal(value)), str(value)) for value in range(0, top_value + 1, step)]
    return PointsChart(points=points, lines=lines, x_labels=x_labels, y_ticks=y_ticks)
