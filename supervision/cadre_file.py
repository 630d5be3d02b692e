"""A cadre's file (一人一档, SPEC §7), the search that finds it, and a unit's team as supervision sees it.

``cadre_file`` assembles everything the file page shows in a fixed number of queries, however many
records, alerts and posts the cadre has: the page must stay fast in a district's whole database.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from assessment.models import CadreGrade, UnitResult
from cadres.models import Appointment, AppointmentRole, Cadre, Unit
from supervision.models import (
    Alert,
    AlertHandling,
    AlertStatus,
    HandlingAction,
    MandatoryCheck,
    Record,
    RuleVersion,
    UnitWarningState,
)
from supervision.points import Line, Rules, line_of, points_at
from supervision.points_chart import PointsChart, points_chart
from supervision.precheck import Verdict, judge, record_points
from supervision.rules import in_force

REMINDER_TALK = "提醒谈话"  # the record type whose records are talks held (SPEC §7)
_ID_TAIL = re.compile(r"\d+X?")
MIN_ID_DIGITS = 4


# --- Search ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CadreSearch:
    query: str
    cadres: QuerySet[Cadre]
    by_id_number: bool = False
    problem: str = ""


def _open_alert_counts():
    counts = (Alert.objects.filter(cadre=OuterRef("pk")).exclude(status=AlertStatus.CLOSED)
              .values("cadre").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def with_current_posts(cadres: QuerySet[Cadre], on: datetime.date) -> QuerySet[Cadre]:
    posts = Appointment.objects.active_on(on).select_related("unit").order_by("role", "start_date")
    return cadres.prefetch_related(Prefetch("appointments", queryset=posts, to_attr="current_posts"))


def search_cadres(query: str, on: datetime.date) -> CadreSearch:
    """Cadres whose name contains ``query``, or whose ID number is it or ends with it (at least 4 digits).

    Each comes with its points state, open alerts count and current posts (for the page shown)."""
    text = (query or "").strip().upper()
    if not text:
        return CadreSearch(query="", cadres=Cadre.objects.none())
    by_id_number = bool(_ID_TAIL.fullmatch(text))
    if by_id_number and len(text) < MIN_ID_DIGITS:
        return CadreSearch(query=text, cadres=Cadre.objects.none(), by_id_number=True,
                           problem=_("按身份证号查找时请至少输入后%(count)d位") % {"count": MIN_ID_DIGITS})
    if by_id_number:
        cadres = Cadre.objects.with_id_number(text) if len(text) == 18 else Cadre.objects.with_id_number_ending(text)
    else:
        cadres = Cadre.objects.filter(name__icontains=text)
    cadres = with_current_posts(
        cadres.select_related("points_state").annotate(open_alerts=_open_alert_counts()).order_by("name", "pk"), on)
    return CadreSearch(query=text, cadres=cadres, by_id_number=by_id_number)


# --- The file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordGroup:
    title: str
    records: list[Record]

    @property
    def points(self) -> Decimal:
        return sum((record.points_in_force for record in self.records), Decimal(0))


@dataclass(frozen=True)
class AttributedResult:
    """A unit's result in a period during which the cadre led it (as principal or deputy)."""

    result: UnitResult
    appointment: Appointment
    track_size: int

    @property
    def tier_name(self) -> str:
        return self.result.period.scheme.tier_name(self.result.tier)


@dataclass(frozen=True)
class Talk:
    day: datetime.date
    kind: str
    note: str
    record: Record | None = None
    handling: AlertHandling | None = None


@dataclass
class CadreFile:
    cadre: Cadre
    on: datetime.date
    rules: Rules
    rule_version: RuleVersion | None
    current_posts: list[Appointment]
    past_posts: list[Appointment]
    grades: list[CadreGrade]
    results: list[AttributedResult]
    records: list[Record]
    by_type: list[RecordGroup]
    by_source: list[RecordGroup]
    points: Decimal
    line: str
    chart: PointsChart
    open_alerts: list[Alert]
    closed_alerts: list[Alert]
    talks: list[Talk]
    verdict: Verdict
    lines: list[tuple[str, Decimal, bool]] = field(default_factory=list)  # (label, threshold, reached)

    @property
    def line_label(self) -> str:
        return str(Line(self.line).label)


def _group(records: list[Record], key) -> list[RecordGroup]:
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    return [RecordGroup(title, items) for title, items in groups.items()]


def _attributed_results(posts: list[Appointment]) -> list[AttributedResult]:
    leading = [post for post in posts if post.role in (AppointmentRole.PRINCIPAL, AppointmentRole.DEPUTY)]
    if not leading:
        return []
    track_size = (UnitResult.objects.filter(period=OuterRef("period"), track=OuterRef("track"))
                  .values("period").annotate(n=Count("pk")).values("n"))
    results = (
        UnitResult.objects.filter(unit_id__in={post.unit_id for post in leading})
        .select_related("period__scheme", "unit", "track")
        .annotate(track_size=Coalesce(Subquery(track_size, output_field=IntegerField()), Value(0)))
        .order_by("-period__end_date", "period__scheme__name", "unit__code")
    )
    attributed = []
    for result in results:
        period = result.period
        for post in leading:
            if (post.unit_id == result.unit_id and post.start_date <= period.end_date
                    and (post.end_date is None or post.end_date >= period.start_date)):
                attributed.append(AttributedResult(result, post, result.track_size))
                break
    return attributed


def _talks(records: list[Record], alerts: list[Alert]) -> list[Talk]:
    talks = [Talk(record.date, _("提醒谈话记录"), record.summary, record=record)
             for record in records if record.record_type.name == REMINDER_TALK]
    talks += [Talk(handling.date, _("预警处置·谈心谈话"), handling.note, handling=handling)
              for alert in alerts for handling in alert.handlings.all() if handling.action == HandlingAction.TALK]
    return sorted(talks, key=lambda talk: talk.day, reverse=True)


def cadre_file(cadre: Cadre, on: datetime.date) -> CadreFile:
    """Everything in the cadre's file as it stands on ``on`` (today), in a fixed number of queries."""
    current = in_force(on)
    rules = current.rules
    posts = list(cadre.appointments.select_related("unit").order_by("-start_date", "-pk"))
    serving = [post for post in posts if post.start_date <= on and (post.end_date is None or post.end_date >= on)]
    grades = list(CadreGrade.objects.filter(cadre=cadre).select_related("unit").order_by("-year"))
    records = list(
        Record.objects.filter(cadre=cadre)
        .select_related("record_type", "entered_by", "follows__record_type")
        .prefetch_related("attachments")
        .order_by("-date", "-pk")
    )
    alerts = list(
        Alert.objects.filter(cadre=cadre).select_related("closed_by")
        .prefetch_related(
            Prefetch("handlings", queryset=AlertHandling.objects.select_related("handled_by").order_by("date", "pk")),
            Prefetch("records", queryset=Record.objects.select_related("record_type").order_by("date", "pk")),
        )
        .order_by("-raised_on", "-pk")
    )
    checks = list(MandatoryCheck.objects.filter(cadre=cadre).select_related("entered_by"))

    for record in records:
        record.points_in_force = record_points(record, current)
    dated_points = [(record.date, record.points_in_force) for record in records if record.date <= on]
    points = points_at(dated_points, on, rules)
    type_order = {}
    for record in sorted(records, key=lambda record: record.record_type.sort_order):
        type_order.setdefault(record.record_type.name, len(type_order))
    by_type = sorted(_group(records, lambda record: record.record_type.name), key=lambda g: type_order[g.title])
    by_source = sorted(_group(records, lambda record: record.source), key=lambda g: (-len(g.records), g.title))
    return CadreFile(
        cadre=cadre, on=on, rules=rules, rule_version=current.version,
        current_posts=serving, past_posts=[post for post in posts if post not in serving],
        grades=grades, results=_attributed_results(posts),
        records=records, by_type=by_type, by_source=by_source,
        points=points, line=line_of(points, rules), chart=points_chart(dated_points, on, rules),
        open_alerts=[alert for alert in alerts if alert.status != AlertStatus.CLOSED],
        closed_alerts=[alert for alert in alerts if alert.status == AlertStatus.CLOSED],
        talks=_talks(records, alerts),
        verdict=judge(cadre, on, records=records, alerts=alerts, grades=grades, checks=checks, current=current),
        lines=[(label, threshold, points >= threshold) for label, threshold in (
            (str(Line.REMINDER.label), rules.reminder_line), (str(Line.INQUIRY.label), rules.inquiry_line),
            (str(Line.ADMONISHMENT.label), rules.admonishment_line))],
    )


# --- A unit's team --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    cadre: Cadre
    posts: list[Appointment]
    points: Decimal
    line: str
    evaluated_on: datetime.date | None
    open_alerts: int
    latest_grade: CadreGrade | None

    @property
    def line_label(self) -> str:
        return str(Line(self.line).label)

    @property
    def titles(self) -> str:
        return "、".join(post.title for post in self.posts)


@dataclass(frozen=True)
class Team:
    unit: Unit
    on: datetime.date
    members: list[TeamMember]
    warning: UnitWarningState | None


_ROLE_ORDER = {AppointmentRole.PRINCIPAL: 0, AppointmentRole.DEPUTY: 1, AppointmentRole.MEMBER: 2}


def unit_team(unit: Unit, on: datetime.date) -> Team:
    """Everyone serving in ``unit`` on ``on`` with their stored points and line, open alerts and latest grade."""
    posts = list(Appointment.objects.active_on(on).filter(unit=unit).select_related("cadre__points_state"))
    by_cadre: dict[int, list[Appointment]] = defaultdict(list)
    for post in sorted(posts, key=lambda post: (_ROLE_ORDER.get(post.role, 9), post.start_date)):
        by_cadre[post.cadre_id].append(post)
    open_alerts = dict(
        Alert.objects.filter(cadre_id__in=by_cadre).exclude(status=AlertStatus.CLOSED)
        .values("cadre_id").annotate(n=Count("pk")).values_list("cadre_id", "n")
    )
    latest_grades: dict[int, CadreGrade] = {}
    for grade in CadreGrade.objects.filter(cadre_id__in=by_cadre).order_by("cadre_id", "-year"):
        latest_grades.setdefault(grade.cadre_id, grade)
    members = []
    for cadre_id, cadre_posts in by_cadre.items():
        cadre = cadre_posts[0].cadre
        state = getattr(cadre, "points_state", None)
        members.append(TeamMember(
            cadre=cadre, posts=cadre_posts, points=state.points if state else Decimal(0),
            line=state.line if state else Line.NONE, evaluated_on=state.evaluated_on if state else None,
            open_alerts=open_alerts.get(cadre_id, 0), latest_grade=latest_grades.get(cadre_id),
        ))
    members.sort(key=lambda member: (_ROLE_ORDER.get(member.posts[0].role, 9), member.posts[0].start_date,
                                     member.cadre.name))
    warning = UnitWarningState.objects.filter(unit=unit).order_by("-evaluated_on", "-pk").first()
    return Team(unit=unit, on=on, members=members, warning=warning)
