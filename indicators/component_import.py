"""Importing component scores (板块得分, SPEC §9): 单位代码, then one 0–100 column per component name."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.models import Component, ComponentScore, Period, TrackMembership
from assessment.recompute import request_recompute
from assessment.workbooks import (
    CellError,
    ColumnSpec,
    ImportOutcome,
    Problem,
    WorkbookRejected,
    cell_number,
    cell_text,
    open_workbook,
    read_table,
)
from indicators.models import ImportBatch, ImportKind, ImportStatus, ValueVersion
from indicators.uploads import batch_receive

SHEET_NAMES = ("板块得分", "components")
FIXED_COLUMNS = (ColumnSpec("unit_code", "单位代码", aliases=("unit_code",)),
                 ColumnSpec("unit_name", "单位名称", aliases=("unit_name",), required=False))


@dataclass
class ComponentImportResult(ImportOutcome):
    scores: int = 0
    changed: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]


def read_component_scores(data: bytes, filename: str, *, period: Period):
    workbook = open_workbook(data, filename)
    table = read_table(workbook, FIXED_COLUMNS, sheet_names=SHEET_NAMES, allow_extra_columns=True)
    problems: list[Problem] = []
    components = {component.name: component for component in
                  Component.objects.filter(scheme=period.scheme, is_performance=False)}
    columns = {}
    for header, letter in table.extra_headers:
        component = components.get(header.strip())
        if component is None:
            problems.append(Problem(_("“%(name)s”不是本方案中需要导入得分的板块（可填：%(names)s）") % {
                "name": header, "names": "、".join(components)}, sheet=table.sheet, row=table.header_row,
                column=header, column_letter=letter))
        else:
            columns[header] = component
    units = {m.unit.code: m.unit for m in TrackMembership.objects.filter(scheme=period.scheme).select_related("unit")}
    scores: list[tuple] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        code = cell_text(row.values.get("unit_code"))
        unit = units.get(code)
        if unit is None:
            problems.append(table.problem(row, "unit_code", _("单位代码不是本考核方案的考核对象"), code))
            continue
        if code in seen:
            problems.append(table.problem(row, "unit_code", _("与第%(row)d行重复") % {"row": seen[code]}, code))
            continue
        seen[code] = row.number
        for header, component in columns.items():
            raw = row.extra.get(header)
            if raw is None:
                continue  # a missing score counts 0 and is listed as missing by the engine
            try:
                score = cell_number(raw)
            except CellError as exc:
                problems.append(table.problem(row, header, str(exc), raw))
                continue
            if not Decimal(0) <= score <= Decimal(100):
                problems.append(table.problem(row, header, _("板块得分应在0到100之间"), raw))
                continue
            scores.append((unit, component, score))
    return scores, problems


def import_component_scores(data: bytes, filename: str, *, period: Period, user=None, request=None,
                            commit: bool = True) -> ComponentImportResult:
    """Check the sheet and, without errors, store it as an import batch: changed scores keep their old
    value in the history and the batch can be rolled back like a department's statistics."""
    result = ComponentImportResult(filename=filename)
    if not period.is_open:
        result.problems = [Problem(_("考核周期%(period)s已锁定或已发布，不能再修改板块得分") % {"period": period.code})]
        return result
    try:
        scores, result.problems = read_component_scores(data, filename, period=period)
    except WorkbookRejected as rejected:
        result.problems = rejected.problems
        return result
    result.scores = len(scores)
    if result.errors or not commit:
        return result
    with transaction.atomic():
        # One office imports component scores; the period row serialises two imports of it.
        Period.objects.select_for_update().filter(pk=period.pk).first()
        batch = batch_receive(data=data, filename=filename, period=period, department=None, user=user,
                              kind=ImportKind.COMPONENTS)
        now = timezone.now()
        existing = {(s.unit_id, s.component_id): s for s in ComponentScore.objects.filter(period=period)}
        new, changed, versions = [], [], []
        for unit, component, score in scores:
            current = existing.get((unit.pk, component.pk))
            if current is None:
                new.append(ComponentScore(period=period, unit=unit, component=component, score=score, batch=batch))
            elif current.score != score:
                versions.append(ValueVersion(batch=batch, written_by_id=current.batch_id, period=period, unit=unit,
                                             component=component, value=current.score, replaced_at=now))
                current.score, current.batch = score, batch
                changed.append(current)
        ComponentScore.objects.bulk_create(new)
        ComponentScore.objects.bulk_update(changed, ["score", "batch"])
        ValueVersion.objects.bulk_create(versions)
        result.changed = len(new) + len(changed)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.COMMITTED, committed_at=now, progress=100,
            counts={"cells": result.scores, "created": len(new), "changed": len(changed), "cleared": 0,
                    "unchanged": result.scores - result.changed},
            problems=[asdict(problem) for problem in result.problems],
        )
        record_event("components.import.committed", user=user, request=request, obj=period, filename=filename,
                     sha256=hashlib.sha256(data).hexdigest(), scores=result.scores, changed=result.changed)
        if result.changed:
            request_recompute(period)
    result.committed = True
    return result
