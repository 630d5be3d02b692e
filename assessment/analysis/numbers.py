"""Small statistics over a list of numbers, as an officer would check them in Excel.

Quartiles are Excel's QUARTILE.INC (linear interpolation between the closest ranks), so a number on
a chart can be checked against the spreadsheet the officer downloads. Display rounding is half up
(SPEC §4); everything else keeps full precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def rounded(value: float | None, places: int = 2) -> float | None:
    """``value`` rounded half up for display (Python's round() rounds half to even); None stays None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def percent(rate: float | None, places: int = 1) -> float | None:
    """A share (0.873) as the per cent shown (87.3)."""
    return None if rate is None else rounded(rate * 100, places)


def quantile(ordered: list[float], share: float) -> float:
    """QUARTILE.INC / PERCENTILE.INC of an ascending, non-empty list."""
    position = (len(ordered) - 1) * share
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def median(values: list[float]) -> float | None:
    return quantile(sorted(values), 0.5) if values else None


def mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


@dataclass(frozen=True)
class Spread:
    """Five-number summary with Tukey's fences (1.5 × IQR beyond the quartiles)."""

    count: int
    minimum: float
    first_quartile: float
    median: float
    third_quartile: float
    maximum: float
    mean: float

    @property
    def interquartile_range(self) -> float:
        return self.third_quartile - self.first_quartile

    @property
    def lower_fence(self) -> float:
        return self.first_quartile - 1.5 * self.interquartile_range

    @property
    def upper_fence(self) -> float:
        return self.third_quartile + 1.5 * self.interquartile_range

    def is_outlier(self, value: float) -> bool:
        return value < self.lower_fence or value > self.upper_fence

    def whiskers(self, values: list[float]) -> tuple[float, float]:
        """The box plot's whisker ends: the most extreme values still inside the fences."""
        inside = [value for value in values if not self.is_outlier(value)]
        return (min(inside), max(inside)) if inside else (self.minimum, self.maximum)


def spread(values: list[float]) -> Spread | None:
    if not values:
        return None
    ordered = sorted(values)
    return Spread(count=len(ordered), minimum=ordered[0], first_quartile=quantile(ordered, 0.25),
                  median=quantile(ordered, 0.5), third_quartile=quantile(ordered, 0.75), maximum=ordered[-1],
                  mean=math.fsum(ordered) / len(ordered))
