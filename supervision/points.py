"""Points, lines and unit warnings (SPEC §7).

A cadre's points at date *t* are the points of the records dated in (t − 12 months, t]; the lines
turn points into reminder / inquiry / admonishment; a unit's warning colour comes from the share of
its serving cadres with points and from the lines they are at. The arithmetic is plain functions of
dates and numbers; ``cadre_points`` and ``unit_warnings`` read the database in a fixed number of
queries.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Case, DecimalField, Sum, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision.models import Record


class Line(models.TextChoices):
    NONE = "none", gettext_lazy("未触线")
    REMINDER = "reminder", gettext_lazy("提醒线")
    INQUIRY = "inquiry", gettext_lazy("函询线")
    ADMONISHMENT = "admonishment", gettext_lazy("诫勉线")


class WarningLevel(models.TextChoices):
    NONE = "none", gettext_lazy("无")
    YELLOW = "yellow", gettext_lazy("黄色预警")
    ORANGE = "orange", gettext_lazy("橙色预警")
    RED = "red", gettext_lazy("红色预警")


@dataclass(frozen=True)
class Rules:
    """The thresholds of SPEC §7. Defaults here; a later version keeps dated versions in the database."""

    window_months: int = 12
    reminder_line: Decimal = Decimal(3)
    inquiry_line: Decimal = Decimal(6)
    admonishment_line: Decimal = Decimal(10)
    yellow_share: Decimal = Decimal("0.10")
    orange_share: Decimal = Decimal("0.20")
    red_share: Decimal = Decimal("0.30")
    share_rule_min_cadres: int = 5  # one person in a team of three does not make a red unit


DEFAULT_RULES = Rules()


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months; a day the target month lacks becomes its last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(on: datetime.date, rules: Rules = DEFAULT_RULES) -> datetime.date:
    """Records dated after this day (and on or before ``on``) count."""
    return add_months(on, -rules.window_months)


def points_at(records: Iterable[tuple[datetime.date, Decimal]], on: datetime.date,
              rules: Rules = DEFAULT_RULES) -> Decimal:
    """The points of (date, points) records at ``on``."""
    start = window_start(on, rules)
    return sum((points for day, points in records if start < day <= on), Decimal(0))


def line_of(points: Decimal, rules: Rules = DEFAULT_RULES) -> Line:
    if points >= rules.admonishment_line:
        return Line.ADMONISHMENT
    if points >= rules.inquiry_line:
        return Line.INQUIRY
    if points >= rules.reminder_line:
        return Line.REMINDER
    return Line.NONE


def cadre_points(cadre_ids: Iterable[int] | None, on: datetime.date, rules: Rules = DEFAULT_RULES,
                 type_points: Mapping[int, Decimal] | None = None) -> dict[int, Decimal]:
    """{cadre id: points at ``on``} for cadres with any points, in one query (None: every cadre).

    ``type_points`` ({record type id: points}) are the points of the rule version in force; without
    them each record type's own points count."""
    records = Record.objects.filter(date__gt=window_start(on, rules), date__lte=on)
    if cadre_ids is not None:
        records = records.filter(cadre_id__in=list(cadre_ids))
    if type_points is None:
        points = Sum("record_type__points")
    else:
        counted = {type_id: value for type_id, value in type_points.items() if value}
        if not counted:
            return {}
        records = records.filter(record_type_id__in=list(counted))
        points = Sum(Case(*(When(record_type_id=type_id, then=Value(value)) for type_id, value in counted.items()),
                          output_field=DecimalField(max_digits=9, decimal_places=1)))
    totals = records.values("cadre_id").annotate(points=points).values_list("cadre_id", "points")
    return {cadre_id: Decimal(points) for cadre_id, points in totals if points}


@dataclass(frozen=True)
class UnitWarning:
    level: WarningLevel
    cadres: int
    cadres_with_points: int
    at_line: dict[str, int]  # line → number of cadres at it
    reason: str

    @property
    def share(self) -> Decimal:
        return Decimal(self.cadres_with_points) / self.cadres if self.cadres else Decimal(0)


LINE_RANK = {Line.NONE: 0, Line.REMINDER: 1, Line.INQUIRY: 2, Line.ADMONISHMENT: 3}


def warning_level(cadres: int, with_points: int, at_line: Mapping[str, int],
                  rules: Rules = DEFAULT_RULES) -> WarningLevel:
    """The colour of a unit from its head counts; ``at_line`` counts the cadres at each line."""
    share = Decimal(with_points) / cadres if cadres else Decimal(0)
    share_applies = cadres >= rules.share_rule_min_cadres
    if (share_applies and share >= rules.red_share) or at_line.get(Line.ADMONISHMENT):
        return WarningLevel.RED
    if (share_applies and share >= rules.orange_share) or at_line.get(Line.INQUIRY):
        return WarningLevel.ORANGE
    if (share_applies and share >= rules.yellow_share) or at_line.get(Line.REMINDER):
        return WarningLevel.YELLOW
    return WarningLevel.NONE


def unit_warning(points: list[Decimal], rules: Rules = DEFAULT_RULES) -> UnitWarning:
    """The colour of a unit whose serving cadres have these points, with the reason in words."""
    cadres = len(points)
    with_points = sum(1 for value in points if value > 0)
    lines = defaultdict(int)
    for value in points:
        lines[line_of(value, rules)] += 1
    level = warning_level(cadres, with_points, lines, rules)
    if not cadres:
        reason = _("没有在任干部")
    else:
        parts = [_("%(with)d/%(all)d 名干部近%(months)d个月有监督记录") % {
            "with": with_points, "all": cadres, "months": rules.window_months}]
        for line in (Line.ADMONISHMENT, Line.INQUIRY, Line.REMINDER):
            if lines[line]:
                parts.append(_("%(count)d 人达到%(line)s") % {"count": lines[line], "line": line.label})
        if cadres < rules.share_rule_min_cadres and with_points:
            parts.append(_("班子不足%(min)d人，不按比例定色") % {"min": rules.share_rule_min_cadres})
        reason = "；".join(parts)
    return UnitWarning(level=level, cadres=cadres, cadres_with_points=with_points,
                       at_line={line.value: count for line, count in lines.items() if line != Line.NONE},
                       reason=reason)
