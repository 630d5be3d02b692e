"""Importing a department's statistics sheet (统计数据, SPEC §9): read → validate every cell → commit.

The sheet has 单位代码 and 单位名称, then one column per indicator headed by its code (the template
writes `CODE 名称`), optionally `目标:CODE` columns with per-unit targets. A cell `不适用` marks the
indicator not applicable for that unit; a blank cell is a missing value. The upload replaces the
department's values for the units and indicators it contains. Nothing is stored unless every cell
is valid.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.models import Period, TrackMembership
from assessment.recompute import request_recompute
from assessment.workbooks import (
    CellError,
    ColumnSpec,
    ImportOutcome,
    Problem,
    Severity,
    SheetTable,
    WorkbookRejected,
    cell_number,
    cell_text,
    open_workbook,
    read_table,
)
from cadres.models import Unit
from indicators.models import Indicator, Statistic

SHEET_NAMES = ("统计数据", "statistics")
FIXED_COLUMNS = (
    ColumnSpec("unit_code", "单位代码", aliases=("unit_code",)),
    ColumnSpec("unit_name", "单位名称", aliases=("unit_name",), required=False),
)
NOT_APPLICABLE_TEXTS = {"不适用", "n/a", "na"}
_TARGET_HEADER = re.compile(r"^目标\s*[:：]\s*(\S+)")
_HEADER_CODE = re.compile(r"^([^\s\u3000]+)")


@dataclass
class Cell:
    unit: Unit
    indicator: Indicator
    value: Decimal | None
    not_applicable: bool
    target: Decimal | None


@dataclass
class StatisticsImportResult(ImportOutcome):
    cells: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    cleared: int = 0

    def counts(self) -> dict[str, int]:
        return {"cells": self.cells, "created": self.created, "changed": self.changed,
                "unchanged": self.unchanged, "cleared": self.cleared}


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


def _read_value(table, row, header, indicator, problems) -> tuple[Decimal | None, bool]:
    raw = row.extra.get(header)
    if raw is None:
        return None, False
    if isinstance(raw, str) and raw.strip().lower() in NOT_APPLICABLE_TEXTS:
        return None, True
    try:
        number = cell_number(raw)
    except CellError as exc:
        problems.append(table.problem(row, header, _("%(reason)s：应填数字或“不适用”") % {"reason": exc}, raw))
        return None, False
    if number < 0 and not indicator.may_be_negative:
        problems.append(table.problem(row, header, _("指标%(code)s不能为负数") % {"code": indicator.code}, raw))
        return None, False
    return number, False


def read_statistics(data: bytes, filename: str, *, period: Period,
                    department: Unit | None = None) -> tuple[list[Cell], list[Problem]]:
    workbook = open_workbook(data, filename)
    table = read_table(workbook, FIXED_COLUMNS, sheet_names=SHEET_NAMES, allow_extra_columns=True)
    problems: list[Problem] = []
    indicators = {indicator.code: indicator for indicator in
                  Indicator.objects.filter(scheme=period.scheme).select_related("provider")}
    value_columns, target_columns = _columns(table, indicators, department, problems)
    units = {membership.unit.code: membership.unit for membership in
             TrackMembership.objects.filter(scheme=period.scheme).select_related("unit")}
    seen: dict[str, int] = {}
    cells: list[Cell] = []
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
                targets[indicator.pk] = cell_number(raw)
            except CellError as exc:
                problems.append(table.problem(row, header, str(exc), raw))
        for header, indicator in value_columns.items():
            value, not_applicable = _read_value(table, row, header, indicator, problems)
            cells.append(Cell(unit=unit, indicator=indicator, value=value, not_applicable=not_applicable,
                              target=targets.get(indicator.pk)))
    return cells, problems


@transaction.atomic
def _store(period: Period, cells: list[Cell], result: StatisticsImportResult) -> None:
    existing = {
        (statistic.unit_id, statistic.indicator_id): statistic
        for statistic in Statistic.objects.select_for_update().filter(
            period=period, unit__in={cell.unit.pk for cell in cells},
            indicator__in={cell.indicator.pk for cell in cells})
    }
    new, changed, cleared = [], [], []
    for cell in cells:
        current = existing.get((cell.unit.pk, cell.indicator.pk))
        blank = cell.value is None and not cell.not_applicable
        if current is None:
            if not blank or cell.target is not None:
                new.append(Statistic(period=period, unit=cell.unit, indicator=cell.indicator, value=cell.value,
                                     not_applicable=cell.not_applicable, target=cell.target))
            continue
        if blank and cell.target is None:
            cleared.append(current.pk)
        elif (current.value, current.not_applicable, current.target) != (cell.value, cell.not_applicable,
                                                                         cell.target):
            current.value, current.not_applicable, current.target = cell.value, cell.not_applicable, cell.target
            changed.append(current)
        else:
            result.unchanged += 1
    Statistic.objects.bulk_create(new, batch_size=2000)
    Statistic.objects.bulk_update(changed, ["value", "not_applicable", "target", "updated_at"], batch_size=2000)
    Statistic.objects.filter(pk__in=cleared).delete()
    result.created, result.changed, result.cleared = len(new), len(changed), len(cleared)


def import_statistics(data: bytes, filename: str, *, period: Period, department: Unit | None = None,
                      user=None, request=None, commit: bool = True) -> StatisticsImportResult:
    """Check every cell; store the values (replacing the file's cells) only if there is no error."""
    result = StatisticsImportResult(filename=filename)
    if not period.is_open:
        result.problems = [Problem(_("考核周期%(period)s已锁定或已发布，不能再修改统计数据") % {"period": period.code})]
        return result
    try:
        cells, problems = read_statistics(data, filename, period=period, department=department)
    except WorkbookRejected as rejected:
        result.problems = rejected.problems
        return result
    result.problems = problems
    result.cells = len(cells)
    if result.errors or not commit:
        return result
    with transaction.atomic():
        _store(period, cells, result)
        record_event("statistics.import.committed", user=user, request=request, obj=period, filename=filename,
                     department=department.code if department else "", sha256=hashlib.sha256(data).hexdigest(),
                     **result.counts())
        if result.created or result.changed or result.cleared:
            request_recompute(period)
    result.committed = True
    return result
