"""Reading a department's statistics sheet (统计数据, SPEC §9) and checking every cell.

The sheet has 单位代码 and 单位名称, then one column per indicator headed by its code (the template
writes `CODE 名称`), optionally `目标:CODE` columns with per-unit targets. A cell `不适用` marks the
indicator not applicable for that unit; a blank cell is a missing value. What happens to the cells
(preview, commit, history) is ``indicators.uploads``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from assessment.models import Indicator, Period, TrackMembership
from assessment.workbooks import (
    CellError,
    ColumnSpec,
    Problem,
    Severity,
    SheetTable,
    Workbook,
    cell_number,
    cell_text,
    open_workbook,
    read_table,
)
from cadres.models import Unit

SHEET_NAMES = ("统计数据", "statistics")
FIXED_COLUMNS = (
    ColumnSpec("unit_code", "单位代码", aliases=("unit_code",)),
    ColumnSpec("unit_name", "单位名称", aliases=("unit_name",), required=False),
)
NOT_APPLICABLE_TEXTS = {"不适用", "n/a", "na"}
# Statistic.value is DECIMAL(24, 8): values are compared and stored at that precision, so a re-import
# of the same file compares equal instead of differing in the ninth decimal. PostgreSQL rounds a ninth
# decimal 5 away from zero, as ROUND_HALF_UP does.
STORED_PRECISION = Decimal("1E-8")
LARGEST_VALUE = Decimal("1E16")
LARGEST_FLOAT = float(LARGEST_VALUE)
_TARGET_HEADER = re.compile(r"^目标\s*[:：]\s*(\S+)")
_HEADER_CODE = re.compile(r"^([^\s\u3000]+)")


@dataclass(slots=True)
class Cell:
    unit: Unit
    indicator: Indicator
    value: Decimal | None
    not_applicable: bool
    target: Decimal | None
    # Where the value sits in the file, for messages about it found after reading (outliers).
    sheet: str = ""
    row: int | None = None
    column: str = ""
    column_letter: str = ""


def _columns(table: SheetTable, indicators: dict[str, Indicator], department: Unit | None,
             problems: list[Problem]) -> tuple[dict[str, Indicator], dict[str, Indicator]]:
    """Map each extra header to an indicator (value columns) or to a target column."""
    value_columns: dict[str, Indicator] = {}
    target_columns: dict[str, Indicator] = {}
    for header, letter in table.extra_headers:
        target_match = _TARGET_HEADER.match(header)
        code = target_match[1] if target_match else _HEADER_CODE.match(header)[1]
        indicator = indicators.get(code)
        where = {"sheet": table.sheet, "row": table.header_row, "column": header, "column_letter": letter}
        if indicator is None:
            problems.append(Problem(_("“%(code)s”不是本考核方案的指标代码") % {"code": code}, **where))
            continue
        if department is not None and indicator.provider_id != department.pk:
            problems.append(Problem(_("指标%(code)s由%(provider)s提供，本部门不能填报") % {
                "code": code, "provider": indicator.provider.name}, **where))
            continue
        columns = target_columns if target_match else value_columns
        if indicator in columns.values():
            problems.append(Problem(_("指标%(code)s的列重复") % {"code": code}, **where))
            continue
        columns[header] = indicator
    if not value_columns and not any(problem.is_error for problem in problems):
        problems.append(Problem(_("表中没有指标列：表头应在“单位代码”“单位名称”之后列出指标代码"),
                                sheet=table.sheet, row=table.header_row))
    return value_columns, target_columns


def _read_value(table, row, header, indicator, raw, problems) -> tuple[Decimal | None, bool]:
    """The general path for a cell that is not a plain non-negative number (see `_plain_decimal`)."""
    if isinstance(raw, str) and raw.strip().lower() in NOT_APPLICABLE_TEXTS:
        return None, True
    try:
        number = cell_number(raw)
    except CellError as exc:
        problems.append(table.problem(row, header, _("%(reason)s：应填数字或“不适用”") % {"reason": exc}, raw))
        return None, False
    if abs(number) >= LARGEST_VALUE:
        problems.append(table.problem(row, header, _("数值过大，无法保存"), raw))
        return None, False
    number = number.quantize(STORED_PRECISION, rounding=ROUND_HALF_UP)
    if number < 0 and not indicator.may_be_negative:
        problems.append(table.problem(row, header, _("指标%(code)s不能为负数") % {"code": indicator.code}, raw))
        return None, False
    return number, False


def _plain_decimal(raw: float) -> Decimal:
    """A float typed into a number cell, as stored. The shortest repr is what the sheet shows; it only
    needs rounding when it has more than eight decimals (rare), so the quantize is skipped otherwise."""
    text = repr(raw)
    point = text.find(".")
    if "e" in text or (point >= 0 and len(text) - point > 9):
        return Decimal(text).quantize(STORED_PRECISION, rounding=ROUND_HALF_UP)
    return Decimal(text)


def read_statistics(data: bytes, filename: str, *, period: Period,
                    department: Unit | None = None) -> tuple[list[Cell], list[Problem]]:
    return read_statistics_workbook(open_workbook(data, filename), period=period, department=department)


def read_statistics_workbook(workbook: Workbook, *, period: Period,
                             department: Unit | None = None) -> tuple[list[Cell], list[Problem]]:
    """Every cell of the sheet, checked; the cells are only usable when no problem is an error."""
    table = read_table(workbook, FIXED_COLUMNS, sheet_names=SHEET_NAMES, allow_extra_columns=True)
    problems: list[Problem] = []
    indicators = {indicator.code: indicator for indicator in
                  Indicator.objects.filter(scheme=period.scheme).select_related("provider")}
    value_columns, target_columns = _columns(table, indicators, department, problems)
    units = {membership.unit.code: membership.unit for membership in
             TrackMembership.objects.filter(scheme=period.scheme).select_related("unit")}
    seen: dict[str, int] = {}
    cells: list[Cell] = []
    append = cells.append
    letters = dict(table.extra_headers)
    value_specs = [(header, indicator, letters[header], indicator.may_be_negative)
                   for header, indicator in value_columns.items()]
    sheet = table.sheet
    for row in table.rows:
        code = cell_text(row.values.get("unit_code"))
        if not code:
            problems.append(table.problem(row, "unit_code", _("这一行有数据但单位代码为空")))
            continue
        unit = units.get(code)
        if unit is None:
            problems.append(table.problem(row, "unit_code", _("单位代码不是本考核方案的考核对象"), code))
            continue
        if code in seen:
            problems.append(table.problem(row, "unit_code", _("与第%(row)d行重复") % {"row": seen[code]}, code))
            continue
        seen[code] = row.number
        name = cell_text(row.values.get("unit_name"))
        if name and name != unit.name:
            problems.append(table.problem(row, "unit_name", _("单位名称与代码不符（该代码是“%(name)s”）") % {
                "name": unit.name}, name, Severity.WARNING))
        targets = {}
        for header, indicator in target_columns.items():
            raw = row.extra.get(header)
            if raw is None:
                continue
            try:
                target = cell_number(raw)
            except CellError as exc:
                problems.append(table.problem(row, header, str(exc), raw))
                continue
            if abs(target) >= LARGEST_VALUE:
                problems.append(table.problem(row, header, _("数值过大，无法保存"), raw))
                continue
            targets[indicator.pk] = target.quantize(STORED_PRECISION, rounding=ROUND_HALF_UP)
        # The cell loop runs 120,000 times for a province: the plain number takes the shortest path.
        unit_number = row.number
        extra = row.extra
        for header, indicator, letter, may_be_negative in value_specs:
            raw = extra.get(header)
            not_applicable = False
            if raw is None:
                value = None
            elif type(raw) is float and (0.0 <= raw < LARGEST_FLOAT
                                         or may_be_negative and -LARGEST_FLOAT < raw < LARGEST_FLOAT):
                value = _plain_decimal(raw)
            else:
                value, not_applicable = _read_value(table, row, header, indicator, raw, problems)
            append(Cell(unit, indicator, value, not_applicable, targets.get(indicator.pk) if targets else None,
                        sheet, unit_number, header, letter))
    return cells, problems
