"""Periodic analyses of supervision (SPEC §7): the monthly briefing, the quarterly analysis and the
annual data report.

A report counts the records of its period by type, by source department and by unit, the new and
closed alerts, and the unit warnings by level at the period's end, each beside the previous period's
figure. ``generate_report`` stores it (or refreshes it) as a ``SupervisionReport`` whose ``data`` is
plain JSON, so a stored report reads the same later even if records are edited since. The scheduler
calls ``generate_due_reports`` for the last complete month, quarter and year.

A record counts for the unit(s) where its cadre held a post on the record's date; a cadre serving in
two units counts in both, and a record of a cadre without a post that day counts as 未在任.
"""

from __future__ import annotations

import calendar
import datetime
from collections import Counter

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from cadres.models import Appointment, Unit
from supervision.models import Alert, AlertStatus, Record, ReportKind, SupervisionReport, UnitWarningState
from supervision.points import Line, WarningLevel
from supervision.rules import in_force
from supervision.warnings import compute_unit_warnings

_MONTHS = {ReportKind.MONTHLY: 1, ReportKind.QUARTERLY: 3, ReportKind.ANNUAL: 12}


class PeriodError(ValueError):
    """A period start that does not begin a month, quarter or year."""


def _shift(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_containing(kind: str, day: datetime.date) -> datetime.date:
    """The first day of the month/quarter/year that contains ``day``."""
    if kind == ReportKind.ANNUAL:
        return datetime.date(day.year, 1, 1)
    if kind == ReportKind.QUARTERLY:
        return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return datetime.date(day.year, day.month, 1)


def period_end(kind: str, start: datetime.date) -> datetime.date:
    if kind not in _MONTHS:
        raise PeriodError(_("未知的报告类型：%(kind)s") % {"kind": kind})
    if period_containing(kind, start) != start:
        raise PeriodError(_("%(date)s 不是%(kind)s的起始日期") % {
            "date": start.isoformat(), "kind": str(ReportKind(kind).label)})
    last = _shift(start, _MONTHS[kind] - 1)
    return last.replace(day=calendar.monthrange(last.year, last.month)[1])


def previous_start(kind: str, start: datetime.date) -> datetime.date:
    return _shift(start, -_MONTHS[kind])


def period_label(kind: str, start: datetime.date) -> str:
    if kind == ReportKind.ANNUAL:
        return _("%(year)d年") % {"year": start.year}
    if kind == ReportKind.QUARTERLY:
        return _("%(year)d年第%(quarter)d季度") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    return _("%(year)d年%(month)d月") % {"year": start.year, "month": start.month}


def last_complete_start(kind: str, today: datetime.date) -> datetime.date:
    return previous_start(kind, period_containing(kind, today))


# --- Counting ---------------------------------------------------------------------------------------


def _records_by_unit(start: datetime.date, end: datetime.date) -> tuple[list[dict], int]:
    serving = Q(cadre__appointments__start_date__lte=F("date")) & (
        Q(cadre__appointments__end_date__isnull=True) | Q(cadre__appointments__end_date__gte=F("date")))
    rows = (
        Record.objects.filter(serving, date__range=(start, end))
        .values("cadre__appointments__unit__code", "cadre__appointments__unit__name")
        .annotate(count=Count("pk", distinct=True))
    )
    by_unit = sorted(
        ({"code": row["cadre__appointments__unit__code"], "name": row["cadre__appointments__unit__name"],
          "count": row["count"]} for row in rows),
        key=lambda row: (-row["count"], row["code"]),
    )
    post_that_day = Appointment.objects.filter(cadre_id=OuterRef("cadre_id"), start_date__lte=OuterRef("date")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("date")))
    without_unit = Record.objects.filter(date__range=(start, end)).exclude(Exists(post_that_day)).count()
    return by_unit, without_unit


def _warnings_at(day: datetime.date) -> tuple[dict[str, int], list[dict]]:
    """Units by warning level on ``day``, and the red and orange units with their reasons.

    The nightly evaluation stores every unit's row each day, and each unit's latest row on or before
    ``day`` is taken. For a day the evaluation did not run at all (a report made later for an old
    period) the colours are computed from the records as they stand."""
    if UnitWarningState.objects.filter(evaluated_on=day).exists():
        latest = (UnitWarningState.objects.filter(unit=OuterRef("unit"), evaluated_on__lte=day)
                  .order_by("-evaluated_on").values("evaluated_on")[:1])
        rows = list(UnitWarningState.objects.filter(evaluated_on__lte=day, evaluated_on=Subquery(latest),
                                                    unit__is_active=True).values_list("unit_id", "level", "reason"))
    else:
        rows = [(unit_id, warning.level, warning.reason)
                for unit_id, warning in compute_unit_warnings(day, in_force(day)).items()]
    levels = Counter(level for _unit_id, level, _reason in rows)
    serious_rows = [row for row in rows if row[1] in (WarningLevel.RED, WarningLevel.ORANGE)]
    units = Unit.objects.in_bulk([unit_id for unit_id, _level, _reason in serious_rows])
    serious = sorted(
        ({"code": units[unit_id].code, "name": units[unit_id].name, "level": str(level), "reason": reason}
         for unit_id, level, reason in serious_rows),
        key=lambda unit: (unit["level"] != WarningLevel.RED, unit["code"]),
    )
    return {level.value: levels.get(level.value, 0) for level in WarningLevel}, serious


def period_counts(start: datetime.date, end: datetime.date) -> dict:
    """The figures of one period, as plain JSON."""
    records = Record.objects.filter(date__range=(start, end))
    by_type = Counter(dict(records.values("record_type__name").annotate(n=Count("pk"))
                           .values_list("record_type__name", "n")))
    by_source = Counter(dict(records.values("source").annotate(n=Count("pk")).values_list("source", "n")))
    by_unit, without_unit = _records_by_unit(start, end)
    alerts = Alert.objects.filter(raised_on__range=(start, end))
    alerts_by_line = dict(alerts.values("line").annotate(n=Count("pk")).values_list("line", "n"))
    closed = Alert.objects.filter(status=AlertStatus.CLOSED, closed_at__date__range=(start, end)).count()
    levels, serious = _warnings_at(min(end, timezone.localdate()))
    return {
        "start": start.isoformat(), "end": end.isoformat(),
        "records": sum(by_type.values()),
        "cadres": records.values("cadre_id").distinct().count(),
        "by_type": dict(by_type), "by_source": dict(by_source),
        "by_unit": by_unit, "without_unit": without_unit,
        "alerts": sum(alerts_by_line.values()),
        "alerts_by_line": {line.value: alerts_by_line.get(line.value, 0) for line in Line if line != Line.NONE},
        "alerts_closed": closed,
        "warnings_by_level": levels, "serious_units": serious,
    }


def report_data(kind: str, start: datetime.date) -> dict:
    end = period_end(kind, start)
    before = previous_start(kind, start)
    return {"kind": kind, "current": period_counts(start, end),
            "previous": period_counts(before, period_end(kind, before))}


@transaction.atomic
def generate_report(kind: str, period_start: datetime.date, *, user=None, request=None) -> SupervisionReport:
    """Store (or refresh) the report of the period starting ``period_start``."""
    end = period_end(kind, period_start)
    report, created = SupervisionReport.objects.update_or_create(
        kind=kind, period_start=period_start,
        defaults={"period_end": end, "data": report_data(kind, period_start)},
    )
    record_event("supervision.report.generated", user=user, request=request, obj=report, kind=kind,
                 period_start=period_start.isoformat(), refreshed=not created)
    return report


def generate_due_reports(today: datetime.date | None = None) -> list[SupervisionReport]:
    """The reports of the last complete month, quarter and year that are not stored yet. Safe to run twice."""
    today = today or timezone.localdate()
    made = []
    for kind in ReportKind:
        start = last_complete_start(kind, today)
        if not SupervisionReport.objects.filter(kind=kind, period_start=start).exists():
            made.append(generate_report(kind, start))
    return made


# --- Reading a stored report ---------------------------------------------------------------------


def _change(current: int, previous: int) -> dict:
    percent = None if not previous else round((current - previous) * 100 / previous, 1)
    return {"current": current, "previous": previous, "change": current - previous, "percent": percent}


def _rows(current: dict, previous: dict, keys=None) -> list[dict]:
    keys = keys if keys is not None else sorted(set(current) | set(previous),
                                                key=lambda key: (-current.get(key, 0), key))
    return [{"name": key, **_change(current.get(key, 0), previous.get(key, 0))} for key in keys]


def report_tables(report: SupervisionReport) -> dict:
    """The stored figures as the page and the workbook lay them out, with the previous period beside."""
    current, previous = report.data.get("current", {}), report.data.get("previous", {})
    if not current:
        return {"empty": True}
    previous_units = {row["code"]: row["count"] for row in previous.get("by_unit", [])}
    levels_now, levels_before = current["warnings_by_level"], previous.get("warnings_by_level", {})
    lines_now, lines_before = current["alerts_by_line"], previous.get("alerts_by_line", {})
    summary = [
        {"name": _("监督记录"), **_change(current["records"], previous.get("records", 0))},
        {"name": _("涉及干部"), **_change(current["cadres"], previous.get("cadres", 0))},
        {"name": _("新增触线预警"), **_change(current["alerts"], previous.get("alerts", 0))},
        {"name": _("办结触线预警"), **_change(current["alerts_closed"], previous.get("alerts_closed", 0))},
        *({"name": _("%(level)s单位") % {"level": WarningLevel(level).label},
           **_change(levels_now.get(level, 0), levels_before.get(level, 0))}
          for level in (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW)),
    ]
    by_unit = [{"code": row["code"], "name": row["name"], **_change(row["count"], previous_units.get(row["code"], 0))}
               for row in current["by_unit"]]
    # Units with records only in the previous period are listed too: a fall to none is a trend.
    listed = {row["code"] for row in current["by_unit"]}
    by_unit += [{"code": row["code"], "name": row["name"], **_change(0, row["count"])}
                for row in previous.get("by_unit", []) if row["code"] not in listed]
    if current.get("without_unit") or previous.get("without_unit"):
        by_unit.append({"code": "", "name": _("未在任"),
                        **_change(current.get("without_unit", 0), previous.get("without_unit", 0))})
    return {
        "empty": False,
        "previous_label": period_label(report.kind, previous_start(report.kind, report.period_start)),
        "summary": summary,
        "by_type": _rows(current["by_type"], previous.get("by_type", {})),
        "by_source": _rows(current["by_source"], previous.get("by_source", {})),
        "by_unit": by_unit,
        "alerts_by_line": [{"name": str(Line(line).label), **_change(lines_now.get(line, 0), lines_before.get(line, 0))}
                           for line in (Line.REMINDER, Line.INQUIRY, Line.ADMONISHMENT)],
        "warnings_by_level": [
            {"name": _("无预警") if level == WarningLevel.NONE else str(WarningLevel(level).label),
             **_change(levels_now.get(level, 0), levels_before.get(level, 0))}
            for level in (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW, WarningLevel.NONE)],
        "serious_units": [{**unit, "level_label": str(WarningLevel(unit["level"]).label)}
                          for unit in current.get("serious_units", [])],
    }
