"""Writing a scheme back as a workbook in the format the reader reads, so an officer can edit and reload it."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook as XlsxWorkbook

from assessment.models import Scheme, Track, Weight
from assessment.scheme_workbook.vocabulary import (
    BASE_ATTRIBUTE_KEYS,
    BASE_ATTRIBUTE_WORDS,
    COMPONENT_COLUMNS,
    COMPONENT_SHEET,
    DIRECTION_WORDS,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    METHOD_WORDS,
    TRACK_COLUMNS,
    TRACK_SHEET,
    UNIT_COLUMNS,
    UNIT_KIND_WORDS,
    UNIT_SHEET,
)
from core.spreadsheets.formula_guard import formula_safe


def _cell_number(value: Decimal | None) -> int | float | None:
    # Numbers are written as numbers so that Excel sums them; 20.00 shows as 20.
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _reverse(words: dict[str, str]) -> dict[str, str]:
    return {value: word for word, value in words.items()}


def _component_rows(scheme: Scheme) -> list[list[object]]:
    rows = [[spec.header for spec in COMPONENT_COLUMNS]]
    for component in scheme.components.order_by("sort_order", "pk"):
        rows.append([component.name, _cell_number(component.weight)])
    return rows


def _track_rows(tracks: list[Track]) -> list[list[object]]:
    return [[spec.header for spec in TRACK_COLUMNS], *([track.code, track.name] for track in tracks)]


def _unit_rows(scheme: Scheme) -> list[list[object]]:
    kind_words = _reverse(UNIT_KIND_WORDS)
    rows = [[spec.header for spec in UNIT_COLUMNS]]
    memberships = scheme.memberships.select_related("unit", "track").order_by(
        "track__sort_order", "track__code", "unit__sort_order", "unit__code")
    for membership in memberships:
        unit = membership.unit
        bases = [_cell_number(getattr(unit, attribute)) for attribute in BASE_ATTRIBUTE_KEYS]
        rows.append([unit.code, unit.name, membership.track.code, *bases, kind_words.get(unit.kind)])
    return rows


def _indicator_rows(scheme: Scheme, tracks: list[Track]) -> list[list[object]]:
    directions, methods, bases = _reverse(DIRECTION_WORDS), _reverse(METHOD_WORDS), _reverse(BASE_ATTRIBUTE_WORDS)
    weights = {(weight.indicator_id, weight.track_id): weight.weight
               for weight in Weight.objects.filter(indicator__scheme=scheme)}
    rows = [[spec.header for spec in INDICATOR_COLUMNS] + [track.code for track in tracks]]
    indicators = scheme.indicators.select_related("dimension", "provider").order_by("sort_order", "code")
    for indicator in indicators:
        rows.append([
            indicator.code, indicator.name, indicator.dimension.name, indicator.measure or None,
            directions.get(indicator.direction), methods.get(indicator.method), _cell_number(indicator.target),
            indicator.provider.code, bases.get(indicator.per_capita_base),
            *(_cell_number(weights.get((indicator.pk, track.pk))) for track in tracks),
        ])
    return rows


def scheme_workbook_bytes(scheme: Scheme) -> bytes:
    """The scheme as a workbook in the format read_scheme_workbook reads (header in the first row)."""
    tracks = list(scheme.tracks.order_by("sort_order", "code"))
    sheets = {
        COMPONENT_SHEET[0]: _component_rows(scheme),
        TRACK_SHEET[0]: _track_rows(tracks),
        UNIT_SHEET[0]: _unit_rows(scheme),
        INDICATOR_SHEET[0]: _indicator_rows(scheme, tracks),
    }
    book = XlsxWorkbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        worksheet = book.create_sheet(title)
        for row in rows:
            worksheet.append([formula_safe(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
