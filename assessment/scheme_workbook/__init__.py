"""The scheme workbook (方案, SPEC §9): read and check it, apply it to a scheme, write it back.

``read_scheme_workbook`` (``reading``) checks every cell of the four sheets (板块, 赛道, 单位, 指标)
and turns a correct workbook into a ``SchemeDraft``; ``apply_scheme`` (``applying``) makes one scheme
match the draft in one transaction, touching only what differs, so loading the same workbook twice
changes nothing the second time; ``scheme_workbook_bytes`` (``writing``) writes a scheme back in the
same format, so an officer can download it, edit it and load it again. The sheet names, headers and
Chinese cell words both directions share are in ``vocabulary``.
"""

from assessment.scheme_workbook.applying import (
    CHANGE_KINDS,
    PeriodSpec,
    SchemeApplyResult,
    SchemeRejected,
    apply_scheme,
    inferred_unit_kind,
    parse_period_code,
    period_code_problems,
    preview_scheme,
)
from assessment.scheme_workbook.reading import (
    ComponentDraft,
    IndicatorDraft,
    SchemeDraft,
    TrackDraft,
    UnitDraft,
    plain_number,
    read_scheme_workbook,
)
from assessment.scheme_workbook.vocabulary import (
    BASE_ATTRIBUTE_KEYS,
    BASE_ATTRIBUTE_WORDS,
    COMPONENT_COLUMNS,
    COMPONENT_SHEET,
    DIRECTION_WORDS,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    METHOD_WORDS,
    PERFORMANCE_COMPONENT,
    TRACK_COLUMNS,
    TRACK_SHEET,
    UNIT_COLUMNS,
    UNIT_KIND_WORDS,
    UNIT_SHEET,
)
from assessment.scheme_workbook.writing import scheme_workbook_bytes

__all__ = [
    "BASE_ATTRIBUTE_KEYS",
    "BASE_ATTRIBUTE_WORDS",
    "CHANGE_KINDS",
    "COMPONENT_COLUMNS",
    "COMPONENT_SHEET",
    "DIRECTION_WORDS",
    "INDICATOR_COLUMNS",
    "INDICATOR_SHEET",
    "METHOD_WORDS",
    "PERFORMANCE_COMPONENT",
    "TRACK_COLUMNS",
    "TRACK_SHEET",
    "UNIT_COLUMNS",
    "UNIT_KIND_WORDS",
    "UNIT_SHEET",
    "ComponentDraft",
    "IndicatorDraft",
    "PeriodSpec",
    "SchemeApplyResult",
    "SchemeDraft",
    "SchemeRejected",
    "TrackDraft",
    "UnitDraft",
    "apply_scheme",
    "inferred_unit_kind",
    "parse_period_code",
    "period_code_problems",
    "plain_number",
    "preview_scheme",
    "read_scheme_workbook",
    "scheme_workbook_bytes",
]
