"""The feedback report (反馈单) of one unit in one period, read from the stored results.

The page, the Excel form and the period's zip all print the same ``FeedbackReport``; nothing here
computes a score (``assessment.recompute`` did), it only picks and words what the unit is told:
rank, tier and progress, its strengths and weaknesses (SPEC §5), what cost it points, the office's
comments and the items it must put right.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.analysis import dimension_sentence
from assessment.models import (
    Adjustment,
    Period,
    ScoreStatus,
    TrackMembership,
    UnitResult,
    Verdict,
    VerdictKind,
)
from assessment.selectors import unit_result_detail
from cadres.models import Unit
from feedback.models import FeedbackNote, RectificationItem
from feedback.rectification import is_overdue

# How many of the indicators that cost the unit most points the report names.
LOST_POINTS_LISTED = 5


@dataclass(frozen=True)
class LostPoints:
    """An indicator on which the unit fell short of the full points."""

    code: str
    name: str
    dimension: str
    weight: float
    score: float
    missing: bool

    @property
    def lost(self) -> float:
        return self.weight - self.score


@dataclass(frozen=True)
class RectificationLine:
    item: RectificationItem
    overdue: bool


@dataclass
class FeedbackReport:
    period: Period
    unit: Unit
    result: UnitResult | None
    track_name: str
    track_size: int
    tier_name: str
    strengths: list[str]
    weaknesses: list[str]
    penalties: list[Adjustment]
    vetoes: list[Verdict]
    lost_points: list[LostPoints]
    note: FeedbackNote | None
    rectifications: list[RectificationLine] = field(default_factory=list)
    generated_on: datetime.date | None = None

    @property
    def progress_text(self) -> str:
        """进位 in words: moved up, down, or unchanged against the same period a year earlier."""
        change = self.result.rank_change if self.result else None
        if change is None:
            return _("无上年可比名次")
        if change > 0:
            return _("较上年进%(n)d位") % {"n": change}
        if change < 0:
            return _("较上年退%(n)d位") % {"n": -change}
        return _("与上年持平")

    @property
    def rank_text(self) -> str:
        if self.result is None or self.result.rank is None:
            return "—"
        return _("第%(rank)d名（共%(size)d个单位）") % {"rank": self.result.rank, "size": self.track_size}

    @property
    def has_deductions(self) -> bool:
        return bool(self.penalties or self.vetoes or self.lost_points)


def _lost_points(detail) -> list[LostPoints]:
    lost = [
        LostPoints(code=score.indicator.code, name=score.indicator.name, dimension=score.indicator.dimension.name,
                   weight=score.weight, score=score.score or 0.0, missing=score.status == ScoreStatus.MISSING)
        for score in detail.indicator_scores
        if score.status != ScoreStatus.NOT_APPLICABLE and score.weight
    ]
    # Two decimals is what the unit sees; a shortfall that rounds to nothing is no shortfall.
    lost = [item for item in lost if round(item.lost, 2) > 0]
    lost.sort(key=lambda item: (-item.lost, item.code))
    return lost[:LOST_POINTS_LISTED]


def feedback_report(period: Period, unit: Unit, *, today: datetime.date | None = None) -> FeedbackReport:
    today = today or timezone.localdate()
    detail = unit_result_detail(period, unit)
    result = detail.result
    if result is not None:
        track = result.track
    else:
        membership = TrackMembership.objects.filter(scheme=period.scheme, unit=unit).select_related("track").first()
        track = membership.track if membership else None
    track_size = UnitResult.objects.filter(period=period, track=track).count() if track else 0
    items = RectificationItem.objects.filter(period=period, unit=unit).order_by("deadline", "pk")
    return FeedbackReport(
        period=period,
        unit=unit,
        result=result,
        track_name=track.name if track else "",
        track_size=track_size,
        tier_name=period.scheme.tier_name(result.tier) if result else "",
        strengths=[dimension_sentence(d) for d in detail.strengths],
        weaknesses=[dimension_sentence(d) for d in detail.weaknesses],
        # Only what was approved counted in the total; a pending adjustment is not yet the unit's.
        penalties=[a for a in detail.adjustments if a.points < 0 and a.is_approved],
        vetoes=[v for v in detail.verdicts if v.kind == VerdictKind.VETO and v.is_approved],
        lost_points=_lost_points(detail),
        note=FeedbackNote.objects.filter(period=period, unit=unit).select_related("written_by").first(),
        rectifications=[RectificationLine(item, is_overdue(item, today)) for item in items],
        generated_on=today,
    )


def period_units(period: Period) -> list[Unit]:
    """Every unit assessed in the period, in the order of the ranking pages: by track, then code."""
    memberships = (TrackMembership.objects.filter(scheme=period.scheme).select_related("unit", "track")
                   .order_by("track__sort_order", "track__code", "unit__code"))
    return [membership.unit for membership in memberships]
