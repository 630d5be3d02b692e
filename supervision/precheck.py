"""Promotion pre-check (数据研判前置, SPEC §7; 干部任用条例 art. 24).

A cadre is blocked at date *t* while a record's impact period covers *t*, while an inquiry or an
investigation has no outcome, while the cadre is at the admonishment line or an admonishment-line
alert raised on or before *t* is still open, and when the latest annual grade is 基本称职 or lower.
Every block names what is behind it and the day it ends (None: it lasts until someone acts).

The four mandatory checks (凡提四必) are shown as done or missing; a missing check is listed for the
officer but does not by itself decide the verdict, because the checks are steps of the promotion
procedure rather than facts about the cadre.

``judge`` is plain arithmetic over what was loaded; ``precheck`` and ``precheck_many`` load it in a
fixed number of queries, and the cadre's file passes what it has already loaded.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event
from assessment.models import CadreGrade, Grade
from cadres.models import Cadre
from supervision.models import Alert, AlertStatus, MandatoryCheck, MandatoryCheckKind, Record, RuleVersion
from supervision.points import Line, Rules, add_months, line_of, points_at, window_start
from supervision.rules import RulesInForce, in_force

# Grades that block a promotion (SPEC §6: 基本称职 → no promotion; 不称职 is lower still).
BLOCKING_GRADES = (Grade.BASICALLY_COMPETENT, Grade.INCOMPETENT)


class BlockKind(models.TextChoices):
    IMPACT_PERIOD = "impact_period", gettext_lazy("处于影响期")
    OPEN_CASE = "open_case", gettext_lazy("尚未了结")
    ADMONISHMENT_LINE = "admonishment_line", gettext_lazy("达到诫勉线")
    OPEN_ALERT = "open_alert", gettext_lazy("诫勉线预警未办结")
    GRADE = "grade", gettext_lazy("年度考核等次")


@dataclass(frozen=True)
class Block:
    """One reason the cadre cannot be promoted at the date, with what is behind it."""

    kind: str
    text: str
    ends_on: datetime.date | None  # the first day the block no longer applies; None: until someone acts
    record: Record | None = None
    alert: Alert | None = None
    grade: CadreGrade | None = None
    counted: tuple[Record, ...] = ()  # for a line: every record whose points add up to it


    @property
    def kind_label(self) -> str:
        return str(BlockKind(self.kind).label)

    @property
    def evidence(self) -> str:
        """What the block rests on, as an officer cites it."""
        if self.counted:
            return "；".join(record.describe() for record in self.counted)
        if self.record is not None:
            return self.record.describe()
        if self.grade is not None:
            return _("%(year)d年度考核等次：%(grade)s") % {"year": self.grade.year, "grade": self.grade.grade}
        return ""

    @property
    def ends_text(self) -> str:
        if self.ends_on is None:
            return _("无固定期限，须办结或有新的结论后解除")
        return _("%(date)s 起解除") % {"date": self.ends_on.isoformat()}


@dataclass(frozen=True)
class CheckState:
    """One of 凡提四必 for the cadre: the latest time it was done on or before the date, if ever."""

    kind: str
    check: MandatoryCheck | None

    @property
    def label(self) -> str:
        return str(MandatoryCheckKind(self.kind).label)

    @property
    def done(self) -> bool:
        return self.check is not None


@dataclass
class Verdict:
    cadre: Cadre
    on: datetime.date
    points: Decimal
    line: str
    rules: Rules
    rule_version: RuleVersion | None
    blocks: list[Block] = field(default_factory=list)
    checks: list[CheckState] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        # Missing mandatory checks are shown but do not decide the verdict (see the module docstring).
        return not self.blocks

    @property
    def reasons(self) -> list[Block]:
        return self.blocks

    @property
    def status(self) -> str:
        """The machine word, as the command prints it."""
        return "eligible" if self.eligible else "blocked"

    @property
    def status_label(self) -> str:
        return _("未发现影响提拔的情形") if self.eligible else _("存在影响提拔的情形")

    @property
    def line_label(self) -> str:
        return str(Line(self.line).label)

    @property
    def missing_checks(self) -> list[CheckState]:
        return [state for state in self.checks if not state.done]

    @property
    def latest_block_end(self) -> datetime.date | None:
        """The day every dated block has ended, when no block is open-ended; None otherwise."""
        if not self.blocks or any(block.ends_on is None for block in self.blocks):
            return None
        return max(block.ends_on for block in self.blocks)


def first_day_not_counting(day: datetime.date, rules: Rules) -> datetime.date:
    """The first date at which a record dated ``day`` has left the points window."""
    candidate = add_months(day, rules.window_months)
    # Month clamping (29 Feb) can leave the record inside the window on the candidate itself.
    while window_start(candidate, rules) < day:
        candidate += datetime.timedelta(days=1)
    return candidate


def day_below_line(dated_points: list[tuple[datetime.date, Decimal]], on: datetime.date, line: Decimal,
                   rules: Rules) -> datetime.date | None:
    """With no new records, the first day after ``on`` on which the points fall below ``line``."""
    for candidate in sorted({first_day_not_counting(day, rules) for day, _points in dated_points}):
        if candidate > on and points_at(dated_points, candidate, rules) < line:
            return candidate
    return None


def _open_at(alert: Alert, on: datetime.date) -> bool:
    """Not closed by the end of ``on`` (an alert closed later was still open then)."""
    if alert.status != AlertStatus.CLOSED:
        return True
    return alert.closed_at is not None and timezone.localdate(alert.closed_at) > on


def _with_points(records: Iterable[Record], current: RulesInForce) -> tuple[Record, ...]:
    """The records that carry points, oldest first; the last one is what took the cadre over the line."""
    return tuple(sorted((record for record in records if record_points(record, current) > 0),
                        key=lambda record: (record.date, record.pk)))


def record_points(record: Record, current: RulesInForce) -> Decimal:
    """A record's points under the rule version in force (a type the version does not know keeps its own)."""
    return current.type_points.get(record.record_type_id, record.record_type.points)


def judge(cadre: Cadre, on: datetime.date, *, records: Iterable[Record], alerts: Iterable[Alert],
          grades: Iterable[CadreGrade], checks: Iterable[MandatoryCheck], current: RulesInForce) -> Verdict:
    """The verdict from what was loaded: records with their type, alerts with their records, grades, checks.

    Anything dated after ``on`` is ignored, so a past date is judged as it stood then."""
    rules = current.rules
    records = sorted((record for record in records if record.date <= on), key=lambda record: (record.date, record.pk))
    blocks: list[Block] = []

    for record in records:
        months = record.record_type.impact_months
        if months and record.date <= on < add_months(record.date, months):
            ends_on = add_months(record.date, months)
            blocks.append(Block(BlockKind.IMPACT_PERIOD, _(
                "%(record)s 影响期%(months)d个月，影响期内不得提拔") % {"record": record.describe(), "months": months},
                ends_on, record=record))
    for record in records:
        if record.record_type.blocks_while_open:
            blocks.append(Block(BlockKind.OPEN_CASE, _(
                "%(record)s 尚无办理结果，了结前不得提拔") % {"record": record.describe()}, None, record=record))

    dated_points = [(record.date, record_points(record, current)) for record in records]
    points = points_at(dated_points, on, rules)
    line = line_of(points, rules)
    if line == Line.ADMONISHMENT:
        start = window_start(on, rules)
        counted = _with_points((record for record in records if record.date > start), current)
        ends_on = day_below_line(dated_points, on, rules.admonishment_line, rules)
        blocks.append(Block(BlockKind.ADMONISHMENT_LINE, _(
            "截至%(on)s，近%(months)d个月积分 %(points)s 分，达到诫勉线（%(line)s 分）；"
            "如无新的记录，积分降至诫勉线以下之日起解除") % {
                "on": on.isoformat(), "months": rules.window_months, "points": _number(points),
                "line": _number(rules.admonishment_line)},
            ends_on, record=counted[-1] if counted else None, counted=counted))

    for alert in sorted(alerts, key=lambda alert: (alert.raised_on, alert.pk)):
        if alert.line == Line.ADMONISHMENT and alert.raised_on <= on and _open_at(alert, on):
            counted = _with_points(alert.records.all(), current)
            blocks.append(Block(BlockKind.OPEN_ALERT, _(
                "%(date)s 触发的诫勉线预警（%(points)s 分）尚未办结") % {
                    "date": alert.raised_on.isoformat(), "points": _number(alert.points)},
                None, record=counted[-1] if counted else None, alert=alert, counted=counted))

    latest_grade = max((grade for grade in grades if grade.year <= on.year), key=lambda grade: grade.year,
                       default=None)
    if latest_grade is not None and latest_grade.grade in BLOCKING_GRADES:
        blocks.append(Block(BlockKind.GRADE, _(
            "最近一次年度考核（%(year)d年度）等次为%(grade)s，新的年度考核等次确定前不得提拔") % {
                "year": latest_grade.year, "grade": latest_grade.grade}, None, grade=latest_grade))

    latest_checks: dict[str, MandatoryCheck] = {}
    for check in checks:
        if check.done_on <= on:
            held = latest_checks.get(check.kind)
            if held is None or (check.done_on, check.pk) > (held.done_on, held.pk):
                latest_checks[check.kind] = check
    return Verdict(
        cadre=cadre, on=on, points=points, line=line, rules=rules, rule_version=current.version, blocks=blocks,
        checks=[CheckState(kind, latest_checks.get(kind)) for kind in MandatoryCheckKind.values],
    )


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def precheck_many(cadres: Sequence[Cadre], on: datetime.date) -> dict[int, Verdict]:
    """{cadre id: verdict at ``on``} in a fixed number of queries, whatever the number of cadres."""
    cadre_ids = [cadre.pk for cadre in cadres]
    current = in_force(on)
    records = defaultdict(list)
    for record in Record.objects.filter(cadre_id__in=cadre_ids, date__lte=on).select_related("record_type"):
        records[record.cadre_id].append(record)
    alerts = defaultdict(list)
    open_alerts = (
        Alert.objects.filter(cadre_id__in=cadre_ids, line=Line.ADMONISHMENT, raised_on__lte=on)
        .filter(~Q(status=AlertStatus.CLOSED) | Q(closed_at__isnull=False))
        .prefetch_related(Prefetch("records", queryset=Record.objects.select_related("record_type")))
    )
    for alert in open_alerts:
        alerts[alert.cadre_id].append(alert)
    grades = defaultdict(list)
    for grade in CadreGrade.objects.filter(cadre_id__in=cadre_ids, year__lte=on.year):
        grades[grade.cadre_id].append(grade)
    checks = defaultdict(list)
    for check in MandatoryCheck.objects.filter(cadre_id__in=cadre_ids, done_on__lte=on):
        checks[check.cadre_id].append(check)
    return {
        cadre.pk: judge(cadre, on, records=records[cadre.pk], alerts=alerts[cadre.pk], grades=grades[cadre.pk],
                        checks=checks[cadre.pk], current=current)
        for cadre in cadres
    }


def precheck(cadre: Cadre, on: datetime.date | None = None) -> Verdict:
    """Whether ``cadre`` may be promoted at ``on`` (today), and every reason why not."""
    return precheck_many([cadre], on or timezone.localdate())[cadre.pk]


def log_precheck(verdict: Verdict, *, user=None, request=None, username: str = "", mode: str) -> None:
    """Every pre-check is audit-logged: who asked about whom, for which date, and the answer."""
    record_event("supervision.precheck", user=user, request=request, username=username, obj=verdict.cadre, mode=mode,
                 on=verdict.on.isoformat(), verdict=verdict.status, reasons=len(verdict.blocks))


def mandatory_check_record(*, cadre: Cadre, kind: str, done_on: datetime.date, note: str = "",
                           user=None, request=None) -> MandatoryCheck:
    """Record that one of 凡提四必 was done for ``cadre``."""
    check = MandatoryCheck(cadre=cadre, kind=kind, done_on=done_on, note=note, entered_by=user)
    check.full_clean()
    check.save()
    record_event("supervision.mandatory_check.recorded", user=user, request=request, obj=cadre, kind=kind,
                 done_on=done_on.isoformat())
    return check
