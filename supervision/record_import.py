"""Importing a batch of supervision records (SPEC §9): read → check every row → plan → store at once.

A department sends one sheet, one row per record: 身份证号, 姓名, 类型, 细类, 日期, 文号, 来源部门, 摘要.
The ID number decides the cadre and the name must match it. Every row is checked before anything is
stored; one error anywhere and nothing is stored, and the answer lists every problem with its sheet,
row and column. The file, its hash and what was found are kept as a ``RecordImportBatch`` either way.

Importing the same file twice changes nothing: a row is the same record as a stored one when cadre, type,
date and document number agree. For a type with outcomes (函询, 立案审查调查) a row may bring the outcome
of a record stored without one (same cadre, type and document number, dated on or after it): the stored
record gets the outcome, its earlier state kept as a version, and an outcome that calls for a linked
record (函询·诫勉) creates it dated the row's date.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.workbooks import (
    CellError,
    ColumnSpec,
    ImportOutcome,
    Problem,
    Severity,
    SheetRow,
    SheetTable,
    WorkbookRejected,
    cell_date,
    cell_text,
    open_workbook,
    read_table,
)
from cadres.id_numbers import id_number_problem
from cadres.models import Cadre
from supervision.evaluation import after_records_changed
from supervision.models import Alert, ImportStatus, Record, RecordImportBatch, RecordType, RecordVersion
from supervision.records import (
    EARLIEST_RECORD_DATE,
    SOURCE_DEPARTMENTS,
    follow_up_summary,
    follow_up_type,
    record_snapshot,
)

RECORD_SHEET_NAMES = ("监督记录", "records")
RECORD_COLUMNS = (
    ColumnSpec("id_number", "身份证号"),
    ColumnSpec("name", "姓名"),
    ColumnSpec("type", "类型"),
    ColumnSpec("subtype", "细类", required=False),
    ColumnSpec("date", "日期"),
    ColumnSpec("document", "文号", required=False),
    ColumnSpec("source", "来源部门"),
    ColumnSpec("summary", "摘要", required=False),
)
_SPACES = re.compile(r"[\s\u3000]+")


@dataclass
class RecordRow:
    """One checked row: everything needed to store it."""

    number: int
    cadre: Cadre
    record_type: RecordType
    date: datetime.date
    document_number: str
    source: str
    summary: str


@dataclass
class RecordImportResult(ImportOutcome):
    batch: RecordImportBatch | None = None
    rows_read: int = 0
    created: int = 0
    unchanged: int = 0
    outcomes_recorded: int = 0
    follow_ups: int = 0
    alerts: list[Alert] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"rows_read": self.rows_read, "created": self.created, "unchanged": self.unchanged,
                "outcomes_recorded": self.outcomes_recorded, "follow_ups": self.follow_ups,
                "alerts": len(self.alerts)}


def problems_of(batch: RecordImportBatch) -> list[Problem]:
    return [Problem(**problem) for problem in batch.problems]


# --- What a cell names ----------------------------------------------------------------------------


def _plain(text: object) -> str:
    return _SPACES.sub("", cell_text(text))


class RecordTypeCatalogue:
    """The record types by name and subtype, for reading the 类型 and 细类 columns."""

    def __init__(self):
        self.by_name: dict[str, dict[str, RecordType]] = defaultdict(dict)
        self.owners_of_subtype: dict[str, list[str]] = defaultdict(list)
        for record_type in RecordType.objects.order_by("sort_order", "name", "subtype"):
            self.by_name[record_type.name][record_type.subtype] = record_type
            if record_type.subtype:
                self.owners_of_subtype[record_type.subtype].append(record_type.name)

    def subtypes_text(self, name: str) -> str:
        return "、".join(subtype for subtype in self.by_name[name] if subtype)

    def read(self, table: SheetTable, row: SheetRow, problems: list[Problem]) -> RecordType | None:
        raw_type, raw_subtype = row.values.get("type"), row.values.get("subtype")
        name, subtype = _plain(raw_type), _plain(raw_subtype)
        if not name:
            problems.append(table.problem(row, "type", _("类型不能为空")))
            return None
        if name not in self.by_name and "·" in name and not subtype:
            name, subtype = name.split("·", 1)  # "党纪处分·警告", as the pages show a type, in one cell
        if name not in self.by_name:
            owners = self.owners_of_subtype.get(name, [])
            if owners:
                problems.append(table.problem(row, "type", _(
                    "“%(value)s”是细类，不是类型：请在“类型”列填写%(types)s，在“细类”列填写“%(value)s”") % {
                        "value": name, "types": _("或").join(f"“{owner}”" for owner in owners)}, raw_type))
            else:
                problems.append(table.problem(row, "type", _("没有名为“%(value)s”的监督记录类型（可填：%(types)s）") % {
                    "value": name, "types": "、".join(self.by_name)}, raw_type))
            return None
        subtypes = self.by_name[name]
        if subtype in subtypes:
            return subtypes[subtype]
        if not subtype:
            problems.append(table.problem(row, "subtype", _("“%(type)s”须填写细类（可填：%(subtypes)s）") % {
                "type": name, "subtypes": self.subtypes_text(name)}))
        elif not self.subtypes_text(name):
            problems.append(table.problem(row, "subtype", _("“%(type)s”没有细类，请把细类留空") % {"type": name},
                                          raw_subtype))
        else:
            problems.append(table.problem(row, "subtype", _("“%(type)s”没有细类“%(value)s”（可填：%(subtypes)s）") % {
                "type": name, "value": subtype, "subtypes": self.subtypes_text(name)}, raw_subtype))
        return None


class CadreIndex:
    """The cadres the file's ID numbers (and, for rows without one, names) can point at, in few queries."""

    def __init__(self, rows: list[SheetRow]):
        texts, names, numeric = set(), set(), False
        for row in rows:
            raw = row.values.get("id_number")
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                numeric = True
            elif raw is not None:
                texts.add(_id_text(raw))
            else:
                names.add(_plain(row.values.get("name")))
        self.by_id = {cadre.id_number.upper(): cadre for cadre in Cadre.objects.with_id_numbers(texts)}
        self.by_name: dict[str, list[Cadre]] = defaultdict(list)
        for cadre in Cadre.objects.filter(name__in=names - {""}):
            self.by_name[cadre.name].append(cadre)
        # Excel keeps a number in 15 significant digits, so an ID typed as a number has lost its last
        # digits; the cadre is found only when one stored ID number reads as that same number.
        self.by_number: dict[float, list[Cadre]] = defaultdict(list)
        if numeric:
            # The numbers are encrypted, so this reads (and decrypts) every cadre: rare, and only
            # for a sheet whose ID column was typed as numbers.
            for cadre in Cadre.objects.all():
                if cadre.id_number.isdigit() and len(cadre.id_number) == 18:
                    self.by_number[float(int(cadre.id_number))].append(cadre)

    def read(self, table: SheetTable, row: SheetRow, problems: list[Problem]) -> Cadre | None:
        raw = row.values.get("id_number")
        name = _plain(row.values.get("name"))
        if raw is None:
            same_name = self.by_name.get(name, []) if name else []
            if len(same_name) > 1:
                message = _("身份证号不能为空：系统中姓名为“%(name)s”的干部有%(count)d人，无法确定是哪一位") % {
                    "name": name, "count": len(same_name)}
            else:
                message = _("身份证号不能为空：干部以身份证号识别，请填写")
            problems.append(table.problem(row, "id_number", message))
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return self._read_number(table, row, raw, problems)
        text = _id_text(raw)
        cadre = self.by_id.get(text)
        if cadre is None:
            message = id_number_problem(text) or _("系统中没有这个身份证号的干部，请先在干部名册中登记")
            problems.append(table.problem(row, "id_number", message, raw))
        return cadre

    def _read_number(self, table: SheetTable, row: SheetRow, raw: float, problems: list[Problem]) -> Cadre | None:
        matches = self.by_number.get(float(raw), []) if float(raw).is_integer() else []
        if len(matches) == 1:
            problems.append(table.problem(row, "id_number", _(
                "身份证号被存成了数字，已按数值对应到干部“%(name)s”；建议把该列设为文本格式") % {
                    "name": matches[0].name}, raw, Severity.WARNING))
            return matches[0]
        if matches:
            message = _("身份证号被存成了数字，末几位已丢失，可能是%(count)d名干部中的任一位；请把该列设为文本格式后重新填写") % {
                "count": len(matches)}
        else:
            message = _("身份证号被存成了数字，末几位可能已丢失，系统中找不到对应的干部；请把该列设为文本格式后重新填写")
        problems.append(table.problem(row, "id_number", message, raw))
        return None


def _id_text(raw: object) -> str:
    return _plain(raw).lstrip("'").upper()


# --- Reading and checking -------------------------------------------------------------------------


def _read_row(table: SheetTable, row: SheetRow, cadres: CadreIndex, catalogue: RecordTypeCatalogue,
              problems: list[Problem]) -> RecordRow | None:
    before = sum(problem.is_error for problem in problems)
    values = row.values
    cadre = cadres.read(table, row, problems)

    name = _plain(values.get("name"))
    if not name:
        problems.append(table.problem(row, "name", _("姓名不能为空")))
    elif cadre is not None and _plain(cadre.name) != name:
        problems.append(table.problem(row, "name", _("姓名与身份证号不符：该身份证号登记的干部是“%(name)s”") % {
            "name": cadre.name}, values.get("name")))

    record_type = catalogue.read(table, row, problems)

    day = None
    if values.get("date") is None:
        problems.append(table.problem(row, "date", _("日期不能为空")))
    else:
        try:
            day = cell_date(values["date"])
        except CellError as exc:
            problems.append(table.problem(row, "date", str(exc), values["date"]))
        else:
            if day > timezone.localdate():
                problems.append(table.problem(row, "date", _("日期晚于今天"), values["date"]))
            elif day < EARLIEST_RECORD_DATE:
                problems.append(table.problem(row, "date", _("日期早于%(earliest)s，请核对") % {
                    "earliest": EARLIEST_RECORD_DATE.isoformat()}, values["date"]))

    source = cell_text(values.get("source"))
    if not source:
        problems.append(table.problem(row, "source", _("来源部门不能为空（如 %(examples)s）") % {
            "examples": "、".join(SOURCE_DEPARTMENTS)}))
    elif len(source) > Record._meta.get_field("source").max_length:
        problems.append(table.problem(row, "source", _("来源部门过长（最多40个字）"), source))

    document_number = cell_text(values.get("document"))
    if len(document_number) > Record._meta.get_field("document_number").max_length:
        problems.append(table.problem(row, "document", _("文号过长（最多100个字）"), document_number))

    if sum(problem.is_error for problem in problems) > before:
        return None
    return RecordRow(number=row.number, cadre=cadre, record_type=record_type, date=day,
                     document_number=document_number, source=source, summary=cell_text(values.get("summary")))


def read_record_rows(data: bytes, filename: str) -> tuple[SheetTable, list[RecordRow], list[Problem]]:
    """Every row checked; the good rows, and every problem found. Raises WorkbookRejected for an unreadable file."""
    workbook = open_workbook(data, filename)
    table = read_table(workbook, RECORD_COLUMNS, sheet_names=RECORD_SHEET_NAMES)
    problems: list[Problem] = list(table.layout_warnings)
    cadres = CadreIndex(table.rows)
    catalogue = RecordTypeCatalogue()
    rows = [entry for entry in (_read_row(table, row, cadres, catalogue, problems) for row in table.rows)
            if entry is not None]
    return table, rows, problems


# --- Planning against the stored records -----------------------------------------------------------


@dataclass
class Known:
    """A record as the plan sees it: stored, or to be stored by this file (``row`` set)."""

    record: Record
    row: int | None = None
    outcome_date: datetime.date | None = None  # of the outcome this file gives it
    first_seen: int | None = None  # the first row of the file that is about this record


@dataclass
class RecordPlan:
    new: list[Known] = field(default_factory=list)
    outcomes: list[tuple[Known, dict, RecordRow]] = field(default_factory=list)  # (stored, before, row)
    unchanged: int = 0


def _same_letter(known: Known, row: RecordRow) -> bool:
    """Whether a row of a type with outcomes is about the same inquiry or case as a known record: the same
    document number and dated on or after it (an outcome is dated later); without a number, the same day."""
    record = known.record
    if record.document_number != row.document_number:
        return False
    return record.date <= row.date if row.document_number else record.date == row.date


def plan_records(table: SheetTable, rows: list[RecordRow], problems: list[Problem]) -> RecordPlan:
    """Match every row against the stored records and the rows above it, adding the problems found."""
    plan = RecordPlan()
    known: dict[tuple[int, str], list[Known]] = defaultdict(list)
    stored = Record.objects.filter(cadre_id__in={row.cadre.pk for row in rows}).select_related("record_type")
    for record in stored:
        known[(record.cadre_id, record.record_type.name)].append(Known(record))

    for row in rows:
        record_type = row.record_type
        candidates = known[(row.cadre.pk, record_type.name)]
        exact = next((item for item in candidates if item.record.record_type_id == record_type.pk
                      and item.record.date == row.date and item.record.document_number == row.document_number),
                     None)
        match = exact
        if match is None and record_type.has_outcomes:
            match = next((item for item in candidates if _same_letter(item, row)), None)
        if match is None:
            record = Record(cadre=row.cadre, record_type=record_type, date=row.date, source=row.source,
                            document_number=row.document_number, summary=row.summary)
            item = Known(record, row=row.number, outcome_date=row.date, first_seen=row.number)
            candidates.append(item)
            plan.new.append(item)
            continue
        if match.first_seen is not None and (match is exact or match.record.record_type_id == record_type.pk):
            problems.append(_row_problem(table, row, "document", _("与第%(row)d行重复（同一干部、类型、日期和文号）") % {
                "row": match.first_seen}, row.document_number))
            continue
        match.first_seen = match.first_seen or row.number
        stored_outcome = match.record.record_type.subtype
        if match is exact or stored_outcome == record_type.subtype or not record_type.subtype:
            plan.unchanged += 1  # the same record, or older news of one that has its outcome already
        elif not stored_outcome:
            _plan_outcome(plan, match, row)
            problems.append(_row_problem(table, row, "subtype", _(
                "为%(date)s的%(type)s登记办理结果“%(outcome)s”") % {
                    "date": match.record.date.isoformat(), "type": record_type.name, "outcome": record_type.subtype},
                record_type.subtype, Severity.WARNING))
        else:
            problems.append(_row_problem(table, row, "subtype", _(
                "%(date)s的%(type)s（文号%(number)s）已登记办理结果“%(stored)s”，与本行的“%(outcome)s”不同；"
                "如需更正，请在该记录的页面修改") % {
                    "date": match.record.date.isoformat(), "type": record_type.name,
                    "number": match.record.document_number or _("空"), "stored": stored_outcome,
                    "outcome": record_type.subtype}, record_type.subtype))
    return plan


def _plan_outcome(plan: RecordPlan, match: Known, row: RecordRow) -> None:
    if match.row is None:
        plan.outcomes.append((match, record_snapshot(match.record), row))
    match.record.record_type = row.record_type
    match.outcome_date = row.date


def _row_problem(table: SheetTable, row: RecordRow, key: str, message: str, value: object = "",
                 severity: str = Severity.ERROR) -> Problem:
    return table.problem(SheetRow(number=row.number, values={}), key, message, value, severity)


# --- Storing ------------------------------------------------------------------------------------------


def _store(plan: RecordPlan, batch: RecordImportBatch, user) -> tuple[int, set[int]]:
    """Write the plan; returns the number of linked records created and the cadres whose records changed."""
    entered_by = user if user is not None and user.is_authenticated else None
    for item in plan.new:
        item.record.import_batch = batch
        item.record.entered_by = entered_by
    Record.objects.bulk_create([item.record for item in plan.new], batch_size=1000)
    RecordVersion.objects.bulk_create([
        RecordVersion(record=item.record, snapshot=before, changed_by=entered_by,
                      reason=(_("导入“%(file)s”第%(row)d行时登记办理结果") % {
                          "file": batch.original_name, "row": row.number})[:200])
        for item, before, row in plan.outcomes])
    for item, _before, _row in plan.outcomes:
        item.record.import_batch = batch
        item.record.save(update_fields=["record_type", "import_batch", "updated_at"])

    changed = [*plan.new, *(item for item, _before, _row in plan.outcomes)]
    needing = [item for item in changed if follow_up_type(item.record.record_type) is not None]
    already = set(Record.objects.filter(follows__in=[item.record for item in needing])
                  .values_list("follows_id", "record_type_id"))
    follow_ups = []
    for item in needing:
        consequence_type = follow_up_type(item.record.record_type)
        if (item.record.pk, consequence_type.pk) in already:
            continue
        record = item.record
        # A row of the file that is itself that record (a department reports the 诫勉 too) is linked, not doubled.
        twin = next((other for other in plan.new if other.record.follows_id is None
                     and other.record.cadre_id == record.cadre_id and other.record.record_type_id == consequence_type.pk
                     and other.record.date == item.outcome_date
                     and other.record.document_number == record.document_number), None)
        if twin is not None:
            twin.record.follows = record
            Record.objects.filter(pk=twin.record.pk).update(follows=record)
            continue
        follow_ups.append(Record(
            cadre_id=record.cadre_id, record_type=consequence_type, date=item.outcome_date, source=record.source,
            document_number=record.document_number, follows=record, entered_by=entered_by, import_batch=batch,
            summary=follow_up_summary(record)))
    Record.objects.bulk_create(follow_ups)
    return len(follow_ups), {item.record.cadre_id for item in changed}


def _keep_file(batch: RecordImportBatch, data: bytes, filename: str) -> None:
    if len(data) > settings.UPLOAD_MAX_BYTES:
        return  # refused for its size: not worth keeping
    safe_name = get_valid_filename(filename) or "records.xlsx"
    batch.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{safe_name}", ContentFile(data), save=False)


def _earlier_import_warning(sha256: str) -> list[Problem]:
    earlier = (RecordImportBatch.objects.filter(sha256=sha256, status=ImportStatus.COMMITTED)
               .order_by("-uploaded_at").first())
    if earlier is None:
        return []
    return [Problem(_("该文件已于%(when)s导入过；已有的记录不会重复导入") % {
        "when": timezone.localtime(earlier.uploaded_at).strftime("%Y-%m-%d %H:%M")}, severity=Severity.WARNING)]


def import_records(data: bytes, filename: str, *, user=None, request=None) -> RecordImportResult:
    """Check the whole file and, when nothing is wrong, store every row in one transaction.

    Either way the batch is kept with its file, hash, counts and problems; the alerts the new records
    raise exist when this returns."""
    filename = (filename or "records.xlsx").replace("\\", "/").rsplit("/", 1)[-1][:200]
    result = RecordImportResult(filename=filename)
    sha256 = hashlib.sha256(data).hexdigest()
    batch = RecordImportBatch(original_name=filename, sha256=sha256, status=ImportStatus.FAILED,
                              uploaded_by=user if user is not None and user.is_authenticated else None)
    table = rows = None
    try:
        table, rows, problems = read_record_rows(data, filename)
    except WorkbookRejected as rejected:
        problems = rejected.problems
    result.rows_read = len(table.rows) if table else 0

    with transaction.atomic():
        plan = None
        if table is not None and not any(problem.is_error for problem in problems):
            # Locking the cadres serialises two imports touching the same people: the second one plans
            # against what the first one stored.
            list(Cadre.objects.select_for_update().filter(pk__in={row.cadre.pk for row in rows}).values_list("pk"))
            plan = plan_records(table, rows, problems)
            problems += _earlier_import_warning(sha256)
        result.problems = sorted(problems, key=lambda problem: (problem.row or 0, problem.column))
        batch.row_count = result.rows_read
        batch.problems = [asdict(problem) for problem in result.problems]
        _keep_file(batch, data, filename)
        if plan is None or result.errors:
            batch.save()
            record_event("supervision.import.failed", user=user, request=request, obj=batch, sha256=sha256,
                         errors=len(result.errors))
            result.batch = batch
            return result
        batch.status = ImportStatus.COMMITTED
        batch.created_count = len(plan.new)
        batch.unchanged_count = plan.unchanged
        batch.save()
        result.follow_ups, cadre_ids = _store(plan, batch, user)
        result.created, result.unchanged, result.outcomes_recorded = len(plan.new), plan.unchanged, len(plan.outcomes)
        record_event("supervision.import.committed", user=user, request=request, obj=batch, sha256=sha256,
                     **{key: value for key, value in result.counts().items() if key != "alerts"})
        if cadre_ids:
            result.alerts = after_records_changed(cadre_ids)
    result.batch = batch
    result.committed = True
    return result
