"""A department's statistics upload, from the file to stored values (SPEC §9).

receive → check → (the provider looks at the preview) → commit, and later perhaps roll back:

- ``batch_receive`` keeps the original file with its hash as an ``ImportBatch``;
- ``batch_check`` reads and validates every cell and works out what would change (old → new), which is
  the preview; it runs in a Celery task and reports its progress on the batch;
- ``batch_commit`` stores the values in one transaction, keeping every replaced value as a
  ``ValueVersion``, and enqueues the recompute;
- ``batch_rollback`` puts back what the department's latest import replaced.

The browser, the ``import_statistics`` command and the demo all go through these functions.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.models import ComponentScore, Indicator, Period, Statistic, TrackMembership
from assessment.recompute import previous_period, request_recompute
from assessment.workbooks import Problem, Severity, WorkbookRejected, open_workbook
from cadres.models import Unit
from core import jobs
from core.bulk import copy_text_lines, cyclic_gc_paused, insert_plain_rows
from indicators.models import ImportBatch, ImportKind, ImportMode, ImportStatus, ValueVersion
from indicators.statistics_import import Cell, read_statistics_workbook
from indicators.statistics_template import TEMPLATE_VERSION, read_template_marker

logger = logging.getLogger(__name__)

PREVIEW_LIMIT = 300  # changed cells listed on the preview page; the counts cover all of them
# A value is "far outside" last period's range in its track when it lies more than one range-width
# beyond it (DHIS2's min-max outlier idea, with the range taken from the same track last year).
OUTLIER_MIN_VALUES = 3

# (value, not applicable, target) of one cell; None for a cell with no stored row.
CellState = tuple[Decimal | None, bool, Decimal | None]


class UploadError(Exception):
    """An action on a batch that cannot be done now; the message says why, in Chinese."""


@dataclass(slots=True)
class CellChange:
    unit: Unit
    indicator: Indicator
    before: CellState | None
    after: CellState | None  # None: the stored row is deleted (replace mode, blank cell)
    row_id: int | None = None  # the stored row, when there is one
    written_by: int | None = None  # the batch that wrote the stored row


@dataclass
class UploadPlan:
    """What storing the file would do, computed against the values stored now."""

    # A cell new to the database is stored as the file has it: the cell itself is the change.
    created: list[Cell] = field(default_factory=list)
    changed: list[CellChange] = field(default_factory=list)
    cleared: list[CellChange] = field(default_factory=list)
    unchanged: int = 0
    # What it was computed against: the mode, and the period's inputs version read before the stored
    # values were. Every change to a period's statistics raises that version (request_recompute), so a
    # plan whose version is still the period's under the commit's lock is still right.
    mode: str = ImportMode.MERGE
    inputs_version: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "changed": len(self.changed), "cleared": len(self.cleared),
                "unchanged": self.unchanged}

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.changed or self.cleared)


# --- Receiving -------------------------------------------------------------------------------


def batch_receive(*, data: bytes, filename: str, period: Period, department: Unit | None, user=None,
                  mode: str = ImportMode.MERGE, kind: str = ImportKind.STATISTICS) -> ImportBatch:
    """Keep the uploaded file as a batch waiting to be checked."""
    safe_name = get_valid_filename(filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]) or "upload.xlsx"
    batch = ImportBatch(kind=kind, period=period, department=department, mode=mode, filename=filename[:255],
                        sha256=hashlib.sha256(data).hexdigest(), size=len(data), uploaded_by=user)
    batch.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{safe_name}", ContentFile(data), save=False)
    batch.save()
    return batch


def _report_progress(batch: ImportBatch, percent: int) -> None:
    # An UPDATE of its own, outside any transaction, so the page polling the batch sees it at once.
    ImportBatch.objects.filter(pk=batch.pk).update(progress=percent)
    batch.progress = percent


def problems_of(batch: ImportBatch) -> list[Problem]:
    return [Problem(**problem) for problem in batch.problems]


# --- Checking --------------------------------------------------------------------------------


def _marker_problems(workbook, period: Period, department: Unit | None) -> list[Problem]:
    """A template remembers what it was made for; a file made for something else is explained."""
    marker = read_template_marker(workbook)
    if marker is None:
        return []  # a sheet made by hand is fine as long as its columns are right
    problems = []
    scheme_id, period_code = marker.get("方案ID", ""), marker.get("周期", "")
    if scheme_id != str(period.scheme_id):
        problems.append(Problem(_("此文件是“%(scheme)s”方案的模板，不是当前方案“%(current)s”的，请下载本周期的模板") % {
            "scheme": marker.get("方案名称", scheme_id), "current": period.scheme.name}))
    elif period_code != period.code:
        problems.append(Problem(_("此文件是%(code)s周期的模板，当前导入的是%(current)s周期，请下载本周期的模板") % {
            "code": period_code, "current": period.code}))
    department_code = marker.get("部门", "")
    if department is not None and department_code and department_code != department.code:
        problems.append(Problem(_("此文件是部门%(code)s的模板，不是本部门（%(current)s）的") % {
            "code": department_code, "current": department.code}))
    if marker.get("模板版本", "") != str(TEMPLATE_VERSION):
        problems.append(Problem(_("模板版本已过期，请重新下载模板"), severity=Severity.WARNING))
    elif department is not None and not problems:
        current = ",".join(Indicator.objects.filter(scheme=period.scheme, provider=department)
                           .values_list("code", flat=True))
        if set(marker.get("指标", "").split(",")) != set(current.split(",")):
            problems.append(Problem(_("下载模板后，本部门负责的指标有变化，请核对各列或重新下载模板"),
                                    severity=Severity.WARNING))
    return problems


def _outlier_warnings(cells: list[Cell], period: Period) -> list[Problem]:
    """Values far outside what the same track reported last period, to be confirmed, not refused."""
    previous = previous_period(period)
    if previous is None or not cells:
        return []
    track_of = dict(TrackMembership.objects.filter(scheme=period.scheme).values_list("unit_id", "track_id"))
    codes = {cell.indicator.code for cell in cells}
    # Last period's range per track and indicator, computed by the database: about 1,500 rows for a
    # province instead of its 120,000 values.
    ranges = (
        Statistic.objects.filter(period=previous, indicator__code__in=codes, value__isnull=False,
                                 unit__track_memberships__scheme=period.scheme)
        .values("unit__track_memberships__track_id", "indicator__code")
        .annotate(low=Min("value"), high=Max("value"), count=Count("pk"))
    )
    bounds: dict[int, dict[str, tuple]] = {}  # track → indicator code → (low, high, lowest allowed, highest)
    for item in ranges:
        if item["count"] >= OUTLIER_MIN_VALUES:
            low, high = item["low"], item["high"]
            width = (high - low) or abs(high) or Decimal(1)
            bounds.setdefault(item["unit__track_memberships__track_id"], {})[item["indicator__code"]] = (
                low, high, low - width, high + width)
    warnings = []
    no_bounds: dict[str, tuple] = {}
    for cell in cells:  # 120,000 for a province: nothing is built for a value within its range
        value = cell.value
        if value is None:
            continue
        bound = bounds.get(track_of.get(cell.unit.id), no_bounds).get(cell.indicator.code)
        if bound and (value < bound[2] or value > bound[3]):
            warnings.append(Problem(
                _("%(unit)s的%(code)s为%(value)s，远超上期同赛道的数值范围（%(low)s～%(high)s），请核实") % {
                    "unit": cell.unit.name, "code": cell.indicator.code, "value": _plain(value),
                    "low": _plain(bound[0]), "high": _plain(bound[1])},
                sheet=cell.sheet, row=cell.row, column=cell.column, column_letter=cell.column_letter,
                value=_plain(value), severity=Severity.WARNING,
            ))
    return warnings


def _plain(number: Decimal | None) -> str:
    return "" if number is None else f"{number.normalize():f}"


def read_upload(data: bytes, batch: ImportBatch, progress=lambda percent: None) -> tuple[list[Cell], list[Problem]]:
    """Read and check every cell of a batch's file; the cells are usable only without errors."""
    period = batch.period
    if not period.is_open:
        return [], [Problem(_("考核周期%(period)s已锁定或已发布，不能再修改统计数据") % {"period": period.code})]
    try:
        workbook = open_workbook(data, batch.filename)
    except WorkbookRejected as rejected:
        return [], rejected.problems
    progress(30)
    problems = _marker_problems(workbook, period, batch.department)
    try:
        cells, cell_problems = read_statistics_workbook(workbook, period=period, department=batch.department)
    except WorkbookRejected as rejected:
        return [], problems + rejected.problems
    progress(60)
    problems += cell_problems
    if not any(problem.is_error for problem in problems):
        problems += _outlier_warnings(cells, period)
    return cells, problems


def _stored_cells(period: Period, indicator_ids: set[int]) -> dict[tuple[int, int], tuple[int, CellState, int | None]]:
    """{(unit, indicator): (row id, state, batch id)} of the stored values of these indicators."""
    return {
        (unit_id, indicator_id): (pk, (value, not_applicable, target), batch_id)
        for pk, unit_id, indicator_id, value, not_applicable, target, batch_id in Statistic.objects.filter(
            period=period, indicator_id__in=indicator_ids,
        ).values_list("pk", "unit_id", "indicator_id", "value", "not_applicable", "target", "batch_id")
    }


def plan_upload(cells: list[Cell], period: Period, mode: str) -> UploadPlan:
    """Compare the file's cells with what is stored: what would be created, changed, cleared."""
    inputs_version = Period.objects.filter(pk=period.pk).values_list("inputs_version", flat=True).first()
    stored = _stored_cells(period, {cell.indicator.id for cell in cells})
    plan = UploadPlan(mode=mode, inputs_version=inputs_version)
    created, changed, cleared = plan.created.append, plan.changed.append, plan.cleared.append
    unchanged = 0
    merge = mode == ImportMode.MERGE
    # A loop over every cell of the file (120,000 for a province); the common cases come first.
    for cell in cells:
        value, not_applicable, target = cell.value, cell.not_applicable, cell.target
        current = stored.get((cell.unit.id, cell.indicator.id)) if stored else None
        if current is None:
            if value is not None or not_applicable or target is not None:
                created(cell)
            continue  # else blank over nothing
        row_id, before, written_by = current
        if (value is not None and value == before[0] and not before[1]
                and (target == before[2] or merge and target is None)):
            unchanged += 1  # the same number again (a blank target keeps the stored one only when merging)
            continue
        blank = value is None and not not_applicable
        if merge:
            if blank and target is None:
                unchanged += 1
                continue
            # Adding and updating keeps what the file leaves blank.
            after = (before[0] if blank else value, before[1] if blank else not_applicable,
                     target if target is not None else before[2])
        else:
            after = None if blank and target is None else (value, not_applicable, target)
        if after is None:
            cleared(CellChange(cell.unit, cell.indicator, before, None, row_id, written_by))
        elif after != before:
            changed(CellChange(cell.unit, cell.indicator, before, after, row_id, written_by))
        else:
            unchanged += 1
    plan.unchanged = unchanged
    return plan


def _describe(state: CellState | None) -> str:
    if state is None:
        return ""
    value, not_applicable, target = state
    text = _("不适用") if not_applicable else _plain(value)
    if target is not None:
        text += _("（目标 %(target)s）") % {"target": _plain(target)}
    return text


def _preview_rows(plan: UploadPlan) -> list[dict]:
    rows = []
    created = [CellChange(cell.unit, cell.indicator, None, (cell.value, cell.not_applicable, cell.target))
               for cell in plan.created[:PREVIEW_LIMIT]]
    for kind, changes in (("changed", plan.changed), ("cleared", plan.cleared), ("created", created)):
        for change in changes[:PREVIEW_LIMIT - len(rows)]:
            rows.append({"kind": kind, "unit": change.unit.code, "unit_name": change.unit.name,
                         "indicator": change.indicator.code, "indicator_name": change.indicator.name,
                         "before": _describe(change.before), "after": _describe(change.after)})
    return rows


def _same_file_committed(batch: ImportBatch) -> ImportBatch | None:
    return (ImportBatch.objects.filter(period=batch.period, department=batch.department, kind=batch.kind,
                                       sha256=batch.sha256, status=ImportStatus.COMMITTED)
            .exclude(pk=batch.pk).order_by("-committed_at").first())


def batch_check(batch: ImportBatch) -> tuple[list[Cell], UploadPlan | None]:
    """Validate the batch's file and store the findings and the preview on the batch."""
    _report_progress(batch, 10)
    with batch.file.open("rb") as handle:
        data = handle.read()
    with cyclic_gc_paused():
        cells, problems = read_upload(data, batch, lambda percent: _report_progress(batch, percent))
    plan = None
    if any(problem.is_error for problem in problems):
        batch.status = ImportStatus.FAILED
        batch.counts = {"cells": len(cells), "errors": sum(problem.is_error for problem in problems)}
    else:
        with cyclic_gc_paused():
            plan = plan_upload(cells, batch.period, batch.mode)
        batch.status = ImportStatus.PREVIEWED
        batch.counts = {"cells": len(cells), **plan.counts}
        batch.changes = _preview_rows(plan)
        earlier = _same_file_committed(batch)
        if earlier is not None and plan.is_empty:
            problems.append(Problem(_("该文件已于%(when)s导入过，数据与现有数据完全相同，确认后不会有任何修改") % {
                "when": timezone.localtime(earlier.committed_at).strftime("%Y-%m-%d %H:%M")},
                severity=Severity.WARNING))
    batch.problems = [asdict(problem) for problem in problems]
    batch.progress = 100
    batch.save(update_fields=["status", "counts", "changes", "problems", "progress"])
    return cells, plan


CHECK_JOB = "indicators.check_upload"


def batch_check_job(batch_id: int) -> str:
    """The background check of an uploaded file (an outbox job, ``core.jobs``); safe to run twice."""
    batch = ImportBatch.objects.select_related("period__scheme", "department").get(pk=batch_id)
    if batch.status == ImportStatus.CHECKING:
        batch_check(batch)
    return batch.status


jobs.register(CHECK_JOB, batch_check_job)


# --- Committing ------------------------------------------------------------------------------


def _lock_department(batch: ImportBatch) -> None:
    """Serialise uploads of one department and period: the second waits, then sees the first's values."""
    if batch.department_id is not None:
        list(Unit.objects.select_for_update().filter(pk=batch.department_id).values_list("pk"))
    else:
        list(Period.objects.select_for_update().filter(pk=batch.period_id).values_list("pk"))


def _store_plan(batch: ImportBatch, plan: UploadPlan) -> None:
    at = {"period_id": batch.period_id, "batch_id": batch.pk}
    insert_plain_rows(ValueVersion, ["written_by_id", "unit_id", "indicator_id", "value", "not_applicable", "target"], (
        (change.written_by, change.unit.id, change.indicator.id, *change.before)
        for change in plan.changed + plan.cleared
    ), constants={**at, "replaced_at": batch.committed_at})
    cleared_ids = [change.row_id for change in plan.cleared]
    for start in range(0, len(cleared_ids), 5000):
        Statistic.objects.filter(pk__in=cleared_ids[start:start + 5000]).delete()
    _update_statistics(batch, [(change.row_id, *change.after) for change in plan.changed])
    columns = ["unit_id", "indicator_id", "value", "not_applicable", "target"]
    constants = {**at, "updated_at": batch.committed_at}
    if connection.vendor == "postgresql":
        # All of a province's 120,000 cells on a first upload: one f-string per row is the fastest way
        # to COPY's text format (NULL is \N; the Decimals print as PostgreSQL reads them).
        null = "\\N"
        copy_text_lines(Statistic, columns, (
            f"{cell.unit.id}\t{cell.indicator.id}\t{null if cell.value is None else cell.value}\t"
            f"{'t' if cell.not_applicable else 'f'}\t{null if cell.target is None else cell.target}"
            for cell in plan.created
        ), constants=constants)
    else:
        insert_plain_rows(Statistic, columns, (
            (cell.unit.id, cell.indicator.id, cell.value, cell.not_applicable, cell.target) for cell in plan.created
        ), constants=constants)


def _update_statistics(batch: ImportBatch, rows: list[tuple]) -> None:
    """Set (value, not applicable, target) of existing rows given as (id, value, not_applicable, target)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [Statistic(pk=pk, value=value, not_applicable=not_applicable, target=target, batch_id=batch.pk,
                             updated_at=batch.committed_at) for pk, value, not_applicable, target in rows]
        Statistic.objects.bulk_update(objects, ["value", "not_applicable", "target", "batch", "updated_at"],
                                      batch_size=2000)
        return
    # One UPDATE … FROM a COPY-filled temporary table instead of a CASE per row: the difference between
    # a second and a minute when a department re-sends a whole province's sheet.
    table = connection.ops.quote_name(Statistic._meta.db_table)
    with connection.cursor() as cursor:
        # Dropped at commit; dropped here too because a caller's outer transaction may commit later.
        cursor.execute("DROP TABLE IF EXISTS statistic_changes")
        cursor.execute("CREATE TEMPORARY TABLE statistic_changes (id bigint, value numeric, not_applicable boolean,"
                       " target numeric) ON COMMIT DROP")
        with cursor.cursor.copy("COPY statistic_changes FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} AS s SET value = c.value, not_applicable = c.not_applicable, target = c.target,"
            f" batch_id = %s, updated_at = %s FROM statistic_changes AS c WHERE s.id = c.id",
            [batch.pk, batch.committed_at],
        )


def batch_commit(batch: ImportBatch, *, user=None, request=None, accept_warnings: bool = False,
                 cells: list[Cell] | None = None, plan: UploadPlan | None = None) -> ImportBatch:
    """Store a checked batch. ``cells`` and their ``plan`` may be handed over by a caller that has just
    checked the file (a command); otherwise the file is read again, inside the lock. Either way the plan
    is worked out again against the values stored now, unless they are still those it was made from."""
    if batch.status != ImportStatus.PREVIEWED:
        raise UploadError(_("该批次当前状态为“%(status)s”，不能导入") % {"status": batch.get_status_display()})
    with transaction.atomic():
        _lock_department(batch)
        batch.period.refresh_from_db()
        if cells is None:
            plan = None  # a plan belongs to the cells it was made from
            with batch.file.open("rb") as handle, cyclic_gc_paused():
                cells, problems = read_upload(handle.read(), batch)
        else:
            problems = problems_of(batch)
        errors = [problem for problem in problems if problem.is_error]
        if errors:
            raise UploadError(str(errors[0]))
        if any(not problem.is_error for problem in problems) and not accept_warnings:
            raise UploadError(_("文件有需要确认的提醒，请核实后勾选“已核实以上提醒”再导入"))
        if not batch.period.is_open:
            raise UploadError(_("考核周期%(period)s已锁定或已发布，不能再修改统计数据") % {"period": batch.period.code})
        if plan is None or plan.mode != batch.mode or plan.inputs_version != batch.period.inputs_version:
            with cyclic_gc_paused():
                plan = plan_upload(cells, batch.period, batch.mode)
        batch.committed_at = timezone.now()
        _store_plan(batch, plan)
        batch.status = ImportStatus.COMMITTED
        batch.warnings_accepted = accept_warnings
        batch.counts = {"cells": len(cells), **plan.counts}
        batch.save(update_fields=["status", "committed_at", "warnings_accepted", "counts"])
        record_event("statistics.import.committed", user=user, request=request, obj=batch,
                     period=batch.period.code, department=batch.department.code if batch.department else "",
                     filename=batch.filename, sha256=batch.sha256, **plan.counts)
        if not plan.is_empty:
            request_recompute(batch.period)
    return batch


# --- Rolling back ----------------------------------------------------------------------------


def latest_committed(batch: ImportBatch) -> ImportBatch | None:
    return (ImportBatch.objects.filter(period=batch.period, department=batch.department, kind=batch.kind,
                                       status=ImportStatus.COMMITTED).order_by("-committed_at", "-pk").first())


def batch_rollback(batch: ImportBatch, *, user=None, request=None) -> ImportBatch:
    """Return the values the batch wrote to what they were before it, and recompute the period."""
    with transaction.atomic():
        _lock_department(batch)
        batch.refresh_from_db()
        batch.period.refresh_from_db()
        if batch.status != ImportStatus.COMMITTED:
            raise UploadError(_("只能撤销已导入的批次"))
        if not batch.period.is_open:
            raise UploadError(_("考核周期%(period)s已锁定或已发布，不能撤销导入") % {"period": batch.period.code})
        latest = latest_committed(batch)
        if latest is not None and latest.pk != batch.pk:
            raise UploadError(_("之后还有%(when)s的导入，请先撤销较新的导入") % {
                "when": timezone.localtime(latest.committed_at).strftime("%Y-%m-%d %H:%M")})
        # Every row the batch created or changed carries its id; what it replaced or cleared is in its
        # versions. Deleting the former and writing back the latter restores the state before it.
        versions = list(ValueVersion.objects.filter(batch=batch))
        now = timezone.now()
        if batch.kind == ImportKind.COMPONENTS:
            ComponentScore.objects.filter(period=batch.period, batch=batch).delete()
            ComponentScore.objects.bulk_create([
                ComponentScore(period_id=version.period_id, unit_id=version.unit_id, component_id=version.component_id,
                               score=version.value, batch_id=version.written_by_id) for version in versions])
        else:
            Statistic.objects.filter(period=batch.period, batch=batch).delete()
            columns = ["period_id", "unit_id", "indicator_id", "value", "not_applicable", "target", "batch_id",
                       "updated_at"]
            insert_plain_rows(Statistic, columns, (
                (version.period_id, version.unit_id, version.indicator_id, version.value, version.not_applicable,
                 version.target, version.written_by_id, now)
                for version in versions
            ))
        batch.status = ImportStatus.ROLLED_BACK
        batch.rolled_back_at = timezone.now()
        batch.rolled_back_by = user if user is not None and user.is_authenticated else None
        batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
        record_event(f"{batch.kind}.import.rolled_back", user=user, request=request, obj=batch,
                     period=batch.period.code, restored=len(versions))
        request_recompute(batch.period)
    return batch


# --- One call for scripts --------------------------------------------------------------------


def import_statistics_file(data: bytes, filename: str, *, period: Period, department: Unit | None, user=None,
                           mode: str = ImportMode.MERGE, accept_warnings: bool = True) -> ImportBatch:
    """Receive, check and (when there is no error) commit a file in one go: the command's and demo's path."""
    batch = batch_receive(data=data, filename=filename, period=period, department=department, user=user, mode=mode)
    cells, plan = batch_check(batch)
    if batch.status == ImportStatus.PREVIEWED and (accept_warnings or not batch.warnings):
        batch_commit(batch, user=user, accept_warnings=accept_warnings, cells=cells, plan=plan)
    return batch
