"""Pre-checking a list of cadres at once: ID numbers pasted one per line, or a sheet with a 身份证号 column.

Every line gets an answer: a verdict, or why there is none (not an ID number, nobody with it).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessment.workbooks import (
    Problem,
    WorkbookRejected,
    cell_text,
    is_blank,
    normalise_header,
    open_workbook,
)
from cadres.id_numbers import id_number_problem
from cadres.models import Cadre
from supervision.cadre_file import with_current_posts
from supervision.precheck import Verdict, precheck_many

MAX_LINES = 2000
ID_HEADERS = {normalise_header("身份证号"), normalise_header("id_number"), normalise_header("公民身份号码")}
_SEPARATORS = re.compile(r"[\s,，;；\u3000]+")
_CHUNK = 500


@dataclass(frozen=True)
class BatchLine:
    line: int  # the line of the pasted text, or the row of the sheet as Excel numbers it
    id_number: str
    problem: str = ""


@dataclass(frozen=True)
class BatchEntry:
    line: int
    id_number: str
    verdict: Verdict | None
    problem: str = ""


def lines_from_text(text: str) -> list[BatchLine]:
    """One ID number per line; the first field of a line pasted from a spreadsheet row is taken."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        fields = [field for field in _SEPARATORS.split(raw.strip()) if field]
        if fields:
            lines.append(BatchLine(number, fields[0].upper()))
    return lines


def _id_column(grid: list[list[object]]) -> tuple[int, int] | None:
    """(row index, column index) of the first cell headed 身份证号."""
    for row_index, row in enumerate(grid):
        for column_index, cell in enumerate(row):
            if not is_blank(cell) and normalise_header(cell_text(cell)) in ID_HEADERS:
                return row_index, column_index
    return None


def lines_from_workbook(data: bytes, filename: str) -> list[BatchLine]:
    """The 身份证号 column of the first sheet, under the first row that has that header."""
    workbook = open_workbook(data, filename)
    sheet_name, grid = workbook.first_sheet()
    found = _id_column(grid)
    if found is None:
        raise WorkbookRejected([Problem(_("找不到“身份证号”列：表头中应有一格写着“身份证号”"), sheet=sheet_name)])
    header_index, column = found
    lines = []
    for index in range(header_index + 1, len(grid)):
        row = grid[index]
        value = row[column] if column < len(row) else None
        if is_blank(value):
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: an 18-digit number has lost its tail.
            lines.append(BatchLine(index + 1, cell_text(value), _(
                "身份证号被存成了数字，末几位可能已丢失；请把该列设为文本格式")))
        else:
            lines.append(BatchLine(index + 1, cell_text(value).upper()))
    return lines


def too_many(lines: list[BatchLine]) -> str:
    if len(lines) > MAX_LINES:
        return _("一次最多核查%(max)d人，本次有%(count)d行") % {"max": MAX_LINES, "count": len(lines)}
    return ""


def precheck_batch(lines: list[BatchLine], on: datetime.date) -> list[BatchEntry]:
    """A verdict at ``on`` for every line that names a known cadre, in a fixed number of queries."""
    wanted = sorted({line.id_number for line in lines if not line.problem and not id_number_problem(line.id_number)})
    cadres: dict[str, Cadre] = {}
    for start in range(0, len(wanted), _CHUNK):
        found = with_current_posts(Cadre.objects.with_id_numbers(wanted[start:start + _CHUNK]), on)
        cadres.update({cadre.id_number: cadre for cadre in found})
    verdicts = precheck_many(list(cadres.values()), on) if cadres else {}
    entries = []
    for line in lines:
        problem = line.problem or id_number_problem(line.id_number)
        cadre = None if problem else cadres.get(line.id_number)
        if not problem and cadre is None:
            problem = _("系统中没有身份证号为 %(id)s 的干部") % {"id": line.id_number}
        entries.append(BatchEntry(line.line, line.id_number, verdicts.get(cadre.pk) if cadre else None, problem or ""))
    return entries
