"""A period's unit results as a flat table, for Excel (.csv with a BOM, or .xlsx).

Numbers keep full precision (display rounding is the page's business, SPEC §4); a missing value is
a blank cell. The header uses stable English names, plus one column per component name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F
from openpyxl import Workbook

from assessment.models import Component, Period, UnitResult

LEADING_COLUMNS = ("unit_code", "unit_name", "track")
TRAILING_COLUMNS = ("bonus", "penalty", "total", "rank", "tier", "rank_change")


@dataclass
class ResultsTable:
    header: list[str]
    rows: list[list[object]]


def find_period(scheme_name: str, code: str) -> Period | None:
    """The period ``code`` of the scheme named ``scheme_name`` (the latest year when the name repeats)."""
    return (Period.objects.filter(scheme__name=scheme_name, code=code.strip().upper())
            .select_related("scheme").order_by("-scheme__year").first())


def _component_score(result: UnitResult, component: Component) -> float | None:
    score = result.component_scores.get(str(component.pk))
    if score is None and component.is_performance:
        return result.performance  # the performance score is also kept in its own column
    return score


def period_results_table(period: Period) -> ResultsTable:
    """One row per unit, ordered by track, rank and unit code; unranked units last in their track."""
    components = list(period.scheme.components.order_by("sort_order", "pk"))
    results = (UnitResult.objects.filter(period=period).select_related("unit", "track")
               .order_by("track__sort_order", "track__code", F("rank").asc(nulls_last=True), "unit__code"))
    rows = [
        [result.unit.code, result.unit.name, result.track.code,
         *(_component_score(result, component) for component in components),
         result.bonus, result.penalty, result.total, result.rank, result.tier, result.rank_change]
        for result in results
    ]
    return ResultsTable(header=[*LEADING_COLUMNS, *(c.name for c in components), *TRAILING_COLUMNS], rows=rows)


# Excel and WPS take a cell that starts with one of these for a formula, even in a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> object:
    """A cell value that a spreadsheet will not run: text that would start a formula gets a leading
    apostrophe and stays text; numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def results_csv_bytes(table: ResultsTable) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    # csv writes floats with repr(), which is their full precision; None becomes a blank cell.
    writer.writerows([formula_safe(value) for value in row] for row in table.rows)
    # The byte order mark is how Excel knows the file is UTF-8 and shows the Chinese names.
    return buffer.getvalue().encode("utf-8-sig")


def results_xlsx_bytes(table: ResultsTable, title: str = "results") -> bytes:
    book = Workbook()
    worksheet = book.active
    worksheet.title = title[:31]
    worksheet.append(table.header)
    for row in table.rows:
        worksheet.append([formula_safe(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXPORT_FORMATS: dict[str, Callable[[ResultsTable], bytes]] = {".csv": results_csv_bytes, ".xlsx": results_xlsx_bytes}
