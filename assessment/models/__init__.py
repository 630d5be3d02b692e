from assessment.models.jobs import Job, JobState
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
from assessment.models.schemes import Component, Scheme, SchemeStatus, Track, TrackMembership, VetoItem

__all__ = [
    "Adjustment", "CadreGrade", "Component", "ComponentScore", "DimensionKind", "DimensionResult", "Grade",
    "IndicatorScore", "Job", "JobState", "Period", "PeriodState", "PeriodType", "Scheme", "SchemeStatus",
    "ScoreStatus", "Track", "TrackMembership", "UnitResult", "Verdict", "VerdictKind", "VetoItem",
]
