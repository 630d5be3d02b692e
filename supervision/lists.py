"""The three lists of a year (三类名单, SPEC §6): excellent cadres, suggested reminder talk, suggested
organisational adjustment. Each entry says why it is on its list.

Points are taken at the year end (today while the year runs) under the rules in force then. A cadre at
the inquiry line has passed the reminder line too, so the reminder-talk list takes everyone from the
reminder line up to, but not including, the admonishment line, which belongs to the adjustment list.

Democratic approval (优称率 = (优秀 + 称职) / valid ballots, SPEC §8) has no data in the app yet:
``approval_rates`` is the hook that will read it once cadre democratic evaluations are stored.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.grades import grading_date
from assessment.models import CadreGrade, Grade
from cadres.models import Appointment, Cadre
from supervision.models import Record, RuleVersion
from supervision.points import Line, Rules, cadre_points, line_of
from supervision.rules import in_force

APPROVAL_THRESHOLD = Decimal(2) / Decimal(3)
LISTED_GRADES = (Grade.EXCELLENT, Grade.BASICALLY_COMPETENT, Grade.INCOMPETENT)
_CHUNK = 500  # ids per IN (…) list, well under every database's parameter limit


class ListKind(models.TextChoices):
    EXCELLENT = "excellent", gettext_lazy("优秀干部")
    REMINDER_TALK = "reminder_talk", gettext_lazy("建议提醒谈话")
    ADJUSTMENT = "adjustment", gettext_lazy("建议组织调整")


@dataclass
class ListEntry:
    cadre: Cadre
    posts: list[Appointment]
    grade: CadreGrade | None
    points: Decimal
    line: str
    reasons: list[str] = field(default_factory=list)

    @property
    def line_label(self) -> str:
        return str(Line(self.line).label)

    @property
    def unit_name(self) -> str:
        return self.posts[0].unit.name if self.posts else ""

    @property
    def titles(self) -> str:
        return "、".join(f"{post.unit.name}{post.title}" for post in self.posts)


@dataclass
class ThreeLists:
    year: int
    on: datetime.date
    rules: Rules
    rule_version: RuleVersion | None
    entries: dict[str, list[ListEntry]]
    approval_data_available: bool

    def of(self, kind: str) -> list[ListEntry]:
        return self.entries[kind]

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return [(kind.value, str(kind.label), len(self.entries[kind.value])) for kind in ListKind]


def approval_rates(year: int) -> dict[int, Decimal]:
    """{cadre id: 优称率 (0–1) in ``year``'s democratic evaluation}. Empty until ballots are stored (SPEC §8)."""
    return {}


def list_years(today: datetime.date | None = None) -> list[int]:
    """Years offered: every year with grades or records, and the current one."""
    today = today or timezone.localdate()
    years = set(CadreGrade.objects.values_list("year", flat=True).distinct())
    latest = Record.objects.aggregate(latest=Max("date"))["latest"]
    earliest = Record.objects.order_by("date").values_list("date", flat=True).first()
    if latest and earliest:
        years |= set(range(earliest.year, latest.year + 1))
    years.add(today.year)
    return sorted(years, reverse=True)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def three_lists(year: int, *, today: datetime.date | None = None) -> ThreeLists:
    on = grading_date(year, today)
    current = in_force(on)
    rules = current.rules
    points = {cadre_id: value for cadre_id, value in cadre_points(None, on, rules, current.type_points).items()
              if value >= rules.reminder_line}
    approvals = approval_rates(year)
    low_approval = {cadre_id for cadre_id, rate in approvals.items() if rate < APPROVAL_THRESHOLD}
    # Only three grades put a cadre on a list; the others are read for the cadres listed for other reasons.
    grades = {grade.cadre_id: grade for grade in CadreGrade.objects.filter(year=year, grade__in=LISTED_GRADES)
              .select_related("cadre")}
    cadres: dict[int, Cadre] = {cadre_id: grade.cadre for cadre_id, grade in grades.items()}
    others = sorted((set(points) | low_approval) - set(grades))
    for chunk in _chunks(others):
        grades.update({grade.cadre_id: grade for grade in CadreGrade.objects.filter(year=year, cadre_id__in=chunk)})
        cadres.update(Cadre.objects.in_bulk(chunk))
    ids = sorted(cadres)
    posts: dict[int, list[Appointment]] = defaultdict(list)
    for chunk in _chunks(ids):
        for post in (Appointment.objects.active_on(on).filter(cadre_id__in=chunk).select_related("unit")
                     .order_by("role", "start_date")):
            posts[post.cadre_id].append(post)

    entries: dict[str, list[ListEntry]] = {kind.value: [] for kind in ListKind}
    for cadre_id in ids:
        grade = grades.get(cadre_id)
        value = points.get(cadre_id, Decimal(0))
        line = line_of(value, rules)
        by_list: dict[str, list[str]] = defaultdict(list)
        grade_text = _("%(year)d年度考核等次为%(grade)s") % {"year": year, "grade": grade.grade} if grade else ""
        points_text = _("%(on)s 积分 %(points)s 分，达到%(line)s") % {
            "on": on.isoformat(), "points": f"{value.normalize():f}", "line": str(Line(line).label)}
        if grade and grade.grade == Grade.EXCELLENT:
            by_list[ListKind.EXCELLENT].append(grade_text)
        if grade and grade.grade == Grade.BASICALLY_COMPETENT:
            by_list[ListKind.REMINDER_TALK].append(grade_text)
        if line in (Line.REMINDER, Line.INQUIRY):
            by_list[ListKind.REMINDER_TALK].append(points_text)
        if grade and grade.grade == Grade.INCOMPETENT:
            by_list[ListKind.ADJUSTMENT].append(grade_text)
        if line == Line.ADMONISHMENT:
            by_list[ListKind.ADJUSTMENT].append(points_text)
        if cadre_id in low_approval:
            by_list[ListKind.ADJUSTMENT].append(_("民主测评优称率 %(rate)s%%，低于三分之二") % {
                "rate": f"{(approvals[cadre_id] * 100).quantize(Decimal('0.1'))}"})
        for kind, reasons in by_list.items():
            entries[kind].append(ListEntry(cadre=cadres[cadre_id], posts=posts.get(cadre_id, []), grade=grade,
                                           points=value, line=line, reasons=reasons))
    for items in entries.values():
        items.sort(key=lambda entry: (entry.posts[0].unit.sort_order if entry.posts else 1 << 30,
                                      entry.posts[0].unit.code if entry.posts else "", entry.cadre.name,
                                      entry.cadre.pk))
    return ThreeLists(year=year, on=on, rules=rules, rule_version=current.version, entries=entries,
                      approval_data_available=bool(approvals))
