from assessment.models.periods import (
    Adjustment,
    ComponentScore,
    Period,
    PeriodState,
    PeriodType,
    Verdict,
    VerdictKind,
)
from assessment.models.results import (
    CadreGrade,
    DimensionKind,
    DimensionResult,
    Grade,
    IndicatorScore,
    ScoreStatus,
    UnitResult,
)
from assessment.models.scheme_parts import (
    BASE_ATTRIBUTE_CHOICES,
    Dimension,
    Direction,
    Indicator,
    Method,
    Responsibility,
    Statistic,
    Weight,
    WeightOverride,
)
from assessment.models.schemes import Component, Scheme, SchemeStatus, Track, TrackMembership, VetoItem

__all__ = [
    "BASE_ATTRIBUTE_CHOICES", "Dimension", "Direction", "Indicator", "Method", "Responsibility", "Statistic",
    "Weight", "WeightOverride",
    "Adjustment", "CadreGrade", "Component", "ComponentScore", "DimensionKind", "DimensionResult", "Grade",
    "IndicatorScore", "Period", "PeriodState", "PeriodType", "Scheme", "SchemeStatus",
    "ScoreStatus", "Track", "TrackMembership", "UnitResult", "Verdict", "VerdictKind", "VetoItem",
]
