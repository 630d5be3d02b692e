"""Importing the cadre roster (干部名册, SPEC §9): read → validate every cell → plan → commit at once.

A cadre is matched by ID number. A row for a cadre who holds an open appointment in another unit
ends that appointment the day before the new start and opens the new one. Importing the same file
twice changes nothing the second time. If any cell is wrong nothing is stored.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
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
from cadres.id_numbers import birth_date_from_id, gender_from_id, id_number_problem
from cadres.models import Appointment, AppointmentRole, Cadre, Gender, Rank, Unit

ROSTER_SHEET_NAMES = ("干部名册", "roster")
ROSTER_COLUMNS = (
    ColumnSpec("id_number", "身份证号"),
    ColumnSpec("name", "姓名"),
    ColumnSpec("gender", "性别", required=False),
    ColumnSpec("birth_date", "出生日期", required=False),
    ColumnSpec("unit_code", "单位代码"),
    ColumnSpec("title", "职务"),
    ColumnSpec("role", "类别"),
    ColumnSpec("start_date", "任职时间"),
    ColumnSpec("rank", "职级", required=False),
)

_GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE,
            "male": Gender.MALE, "female": Gender.FEMALE}
_ROLES = {"正职": AppointmentRole.PRINCIPAL, "副职": AppointmentRole.DEPUTY, "成员": AppointmentRole.MEMBER,
          "principal": AppointmentRole.PRINCIPAL, "deputy": AppointmentRole.DEPUTY, "member": AppointmentRole.MEMBER}


@dataclass
class RosterEntry:
    row: SheetRow
    id_number: str
    name: str
    gender: str
    birth_date: date
    unit: Unit
    title: str
    role: str
    start_date: date
    rank: str


@dataclass
class RosterImportResult(ImportOutcome):
    rows_read: int = 0
    cadres_created: int = 0
    cadres_updated: int = 0
    cadres_unchanged: int = 0
    appointments_opened: int = 0
    appointments_ended: int = 0
    appointments_unchanged: int = 0

    @property
    def changes(self) -> int:
        return self.cadres_created + self.cadres_updated + self.appointments_opened + self.appointments_ended

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "cadres_created": self.cadres_created,
            "cadres_updated": self.cadres_updated,
            "cadres_unchanged": self.cadres_unchanged,
            "appointments_opened": self.appointments_opened,
            "appointments_ended": self.appointments_ended,
            "appointments_unchanged": self.appointments_unchanged,
        }


# --- Reading and validating -------------------------------------------------------------------


def _read_id_number(table: SheetTable, row: SheetRow, problems: list[Problem]) -> str | None:
    raw = row.values.get("id_number")
    if raw is None:
        problems.append(table.problem(row, "id_number", _("身份证号不能为空")))
        return None
    if isinstance(raw, float | int) and not isinstance(raw, bool):
        # Excel turns an 18-digit number into a float and silently loses its last digits.
        problems.append(table.problem(
            row, "id_number", _("身份证号被存成了数字，末几位可能已丢失；请把该列设为文本格式后重新填写"), raw))
        return None
    value = cell_text(raw).upper()
    problem = id_number_problem(value)
    if problem:
        problems.append(table.problem(row, "id_number", problem, raw))
        return None
    return value


def _read_entry(table: SheetTable, row: SheetRow, units: dict[str, Unit],
                problems: list[Problem]) -> RosterEntry | None:
    before = sum(problem.is_error for problem in problems)
    values = row.values
    id_number = _read_id_number(table, row, problems)

    name = cell_text(values.get("name"))
    if not name:
        problems.append(table.problem(row, "name", _("姓名不能为空")))

    gender = None
    if values.get("gender") is not None:
        gender = _GENDERS.get(cell_text(values["gender"]).lower())
        if gender is None:
            problems.append(table.problem(row, "gender", _("性别应为“男”或“女”"), values["gender"]))
        elif id_number and gender != gender_from_id(id_number):
            problems.append(table.problem(row, "gender", _("性别与身份证号不符（按身份证号应为%(gender)s）") % {
                "gender": Gender(gender_from_id(id_number)).label}, values["gender"], Severity.WARNING))

    birth_date = None
    if values.get("birth_date") is not None:
        try:
            birth_date = cell_date(values["birth_date"])
        except CellError as exc:
            problems.append(table.problem(row, "birth_date", str(exc), values["birth_date"]))
        else:
            from_id = birth_date_from_id(id_number) if id_number else None
            if from_id and birth_date != from_id:
                problems.append(table.problem(
                    row, "birth_date", _("出生日期与身份证号不符（按身份证号应为%(date)s）") % {"date": from_id.isoformat()},
                    values["birth_date"], Severity.WARNING))

    unit = None
    code = cell_text(values.get("unit_code"))
    if not code:
        problems.append(table.problem(row, "unit_code", _("单位代码不能为空")))
    else:
        unit = units.get(code)
        if unit is None:
            problems.append(table.problem(row, "unit_code", _("单位代码不存在，请先在单位名录中登记该单位"), code))

    title = cell_text(values.get("title"))
    if not title:
        problems.append(table.problem(row, "title", _("职务不能为空")))
    elif len(title) > Appointment._meta.get_field("title").max_length:
        problems.append(table.problem(row, "title", _("职务过长（最多100个字）"), title))

    role = None
    if values.get("role") is None:
        problems.append(table.problem(row, "role", _("类别不能为空，应为正职、副职或成员")))
    else:
        role = _ROLES.get(cell_text(values["role"]).lower())
        if role is None:
            problems.append(table.problem(row, "role", _("类别应为正职、副职或成员"), values["role"]))

    start_date = None
    if values.get("start_date") is None:
        problems.append(table.problem(row, "start_date", _("任职时间不能为空")))
    else:
        try:
            start_date = cell_date(values["start_date"])
        except CellError as exc:
            problems.append(table.problem(row, "start_date", str(exc), values["start_date"]))
        else:
            if start_date > timezone.localdate():
                problems.append(table.problem(row, "start_date", _("任职时间晚于今天"), values["start_date"],
                                              Severity.WARNING))
            if birth_date and start_date < birth_date:
                problems.append(table.problem(row, "start_date", _("任职时间早于出生日期"), values["start_date"]))

    rank = cell_text(values.get("rank"))
    if rank and rank not in Rank.values:
        problems.append(table.problem(row, "rank", _("职级不在规定范围内（可填：%(choices)s）") % {
            "choices": "、".join(Rank.values)}, rank))

    if sum(problem.is_error for problem in problems) > before:
        return None
    return RosterEntry(
        row=row, id_number=id_number, name=name,
        gender=gender or gender_from_id(id_number),
        birth_date=birth_date or birth_date_from_id(id_number),
        unit=unit, title=title, role=role, start_date=start_date, rank=rank,
    )


def read_roster(data: bytes, filename: str) -> tuple[list[RosterEntry], list[Problem], int]:
    """Every row checked; returns the good entries, all problems and the number of rows read."""
    workbook = open_workbook(data, filename)
    table = read_table(workbook, ROSTER_COLUMNS, sheet_names=ROSTER_SHEET_NAMES)
    units = {unit.code: unit for unit in Unit.objects.all()}
    problems: list[Problem] = list(table.layout_warnings)
    entries: list[RosterEntry] = []
    seen: dict[tuple, int] = {}
    first_name_of: dict[str, tuple[str, int]] = {}
    for row in table.rows:
        entry = _read_entry(table, row, units, problems)
        if entry is None:
            continue
        key = (entry.id_number, entry.unit.code, entry.title, entry.start_date)
        if key in seen:
            problems.append(table.problem(row, "id_number", _("与第%(row)d行重复") % {"row": seen[key]},
                                          entry.id_number))
            continue
        seen[key] = row.number
        known = first_name_of.setdefault(entry.id_number, (entry.name, row.number))
        if known[0] != entry.name:
            problems.append(table.problem(row, "name", _("同一身份证号在第%(row)d行的姓名是“%(name)s”") % {
                "row": known[1], "name": known[0]}, entry.name))
            continue
        entries.append(entry)
    return entries, problems, len(table.rows)


# --- Planning the changes ---------------------------------------------------------------------


@dataclass
class RosterPlan:
    new_cadres: list[Cadre] = field(default_factory=list)
    changed_cadres: list[Cadre] = field(default_factory=list)
    unchanged_cadres: int = 0
    new_appointments: list[Appointment] = field(default_factory=list)
    ended_appointments: list[Appointment] = field(default_factory=list)
    unchanged_appointments: int = 0


def _cadre_fields_from(entry: RosterEntry) -> dict[str, object]:
    fields = {"name": entry.name, "gender": entry.gender, "birth_date": entry.birth_date}
    if entry.rank:
        fields["rank"] = entry.rank
    return fields


def plan_roster(entries: list[RosterEntry], problems: list[Problem]) -> RosterPlan:
    """Work out every change against the registry, in memory, adding problems it finds."""
    plan = RosterPlan()
    by_id: dict[str, list[RosterEntry]] = defaultdict(list)
    for entry in entries:
        by_id[entry.id_number].append(entry)
    existing = {cadre.id_number: cadre for cadre in Cadre.objects.with_id_numbers(by_id)}
    appointments_of: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in Appointment.objects.filter(cadre__in=existing.values()).select_related("unit"):
        appointments_of[appointment.cadre_id].append(appointment)

    for id_number, cadre_entries in by_id.items():
        cadre_entries.sort(key=lambda entry: (entry.start_date, entry.row.number))
        latest = cadre_entries[-1]
        cadre = existing.get(id_number)
        if cadre is None:
            cadre = Cadre(id_number=id_number, **_cadre_fields_from(latest))
            plan.new_cadres.append(cadre)
        else:
            changed = {name: value for name, value in _cadre_fields_from(latest).items()
                       if getattr(cadre, name) != value}
            if changed:
                for name, value in changed.items():
                    setattr(cadre, name, value)
                plan.changed_cadres.append(cadre)
            else:
                plan.unchanged_cadres += 1
        held = list(appointments_of.get(cadre.pk, [])) if cadre.pk else []
        for entry in cadre_entries:
            _plan_appointment(entry, cadre, held, plan, problems)
    return plan


def _plan_appointment(entry: RosterEntry, cadre: Cadre, held: list[Appointment], plan: RosterPlan,
                      problems: list[Problem]) -> None:
    same = next((appointment for appointment in held if appointment.unit_id == entry.unit.pk
                 and appointment.title == entry.title and appointment.start_date == entry.start_date), None)
    if same is not None:
        plan.unchanged_appointments += 1
        return
    # A move to another unit ends the open posts elsewhere; a new principal post in the same unit
    # ends the previous principal post there (a cadre holds one principal post per unit at a time).
    to_end = [
        appointment for appointment in held if appointment.end_date is None and (
            appointment.unit_id != entry.unit.pk
            or (entry.role == AppointmentRole.PRINCIPAL and appointment.role == AppointmentRole.PRINCIPAL)
        )
    ]
    for appointment in to_end:
        if appointment.start_date >= entry.start_date:
            problems.append(Problem(
                _("该干部在%(unit)s任%(title)s的时间（%(start)s）不早于本行的任职时间，无法据此结束原任职") % {
                    "unit": appointment.unit.name, "title": appointment.title,
                    "start": appointment.start_date.isoformat()},
                sheet="", row=entry.row.number, column=_("任职时间"), value=entry.start_date.isoformat()))
            return
    for appointment in to_end:
        appointment.end_date = entry.start_date - timedelta(days=1)
        if appointment.pk:
            plan.ended_appointments.append(appointment)
    appointment = Appointment(cadre=cadre, unit=entry.unit, title=entry.title, role=entry.role,
                              start_date=entry.start_date)
    held.append(appointment)
    plan.new_appointments.append(appointment)


# --- Committing -------------------------------------------------------------------------------


@transaction.atomic
def _commit(plan: RosterPlan) -> None:
    Cadre.objects.bulk_create(plan.new_cadres)
    if plan.changed_cadres:
        Cadre.objects.bulk_update(plan.changed_cadres, ["name", "gender", "birth_date", "rank"])
    if plan.ended_appointments:
        Appointment.objects.bulk_update(plan.ended_appointments, ["end_date"])
    for appointment in plan.new_appointments:
        appointment.cadre_id = appointment.cadre.pk  # the cadre may have just been created
    Appointment.objects.bulk_create(plan.new_appointments)


def import_roster(data: bytes, filename: str, *, user=None, request=None, commit: bool = True) -> RosterImportResult:
    """Check the whole roster; store it only if there is no error and ``commit`` is set.

    Warnings (a birth date that contradicts the ID number, …) do not block.
    """
    result = RosterImportResult(filename=filename)
    try:
        entries, problems, rows_read = read_roster(data, filename)
    except WorkbookRejected as rejected:
        result.problems = rejected.problems
        return result
    result.rows_read = rows_read
    plan = plan_roster(entries, problems)
    result.problems = sorted(problems, key=lambda problem: (problem.row or 0, problem.column))
    result.cadres_created = len(plan.new_cadres)
    result.cadres_updated = len(plan.changed_cadres)
    result.cadres_unchanged = plan.unchanged_cadres
    result.appointments_opened = len(plan.new_appointments)
    result.appointments_ended = len(plan.ended_appointments)
    result.appointments_unchanged = plan.unchanged_appointments
    if result.errors or not commit:
        return result
    with transaction.atomic():
        _commit(plan)
        record_event(
            "cadres.roster.imported", user=user, request=request,
            filename=filename, sha256=hashlib.sha256(data).hexdigest(), **result.counts(),
        )
    result.committed = True
    return result
