"""What a change of rules would have done over the past three years (SPEC §7), next to the rules in force.

Both rule sets replay the same history: every cadre is evaluated on each day a record with points is
dated (the day an alert would have been raised had the record been entered that day), and every unit
at each month end. Points come from cumulative sums looked up by (cadre, day), so the replay costs a
few array operations whatever the size of the history; only the alert rule (no second alert at a line
within a window) is a loop, and only over the days a cadre is at a line.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from cadres.models import Appointment, Cadre, Unit
from supervision.models import Record
from supervision.points import Line, Rules, WarningLevel, add_months, warning_level, window_start
from supervision.rules import RuleDraft, RulesInForce

PREVIEW_MONTHS = 36
# Cadre id and day (ordinal, ~740,000 today) packed into one sortable integer.
_DAY_SPAN = 1 << 22
_OPEN_END = datetime.date.max.toordinal()


@dataclass(frozen=True)
class History:
    months: list[tuple[datetime.date, datetime.date]]  # (first day, evaluation day) of each month
    record_cadres: np.ndarray
    record_days: np.ndarray
    record_types: np.ndarray
    appointment_units: np.ndarray
    appointment_cadres: np.ndarray
    appointment_starts: np.ndarray
    appointment_ends: np.ndarray
    unit_ids: np.ndarray


@dataclass
class Replay:
    alerts: list[dict[str, int]]  # per month: {line: alerts raised}
    levels: list[dict[str, int]]  # per month end: {level: units}
    flagged: set[int]  # cadres with at least one alert in the three years


@dataclass
class MonthRow:
    month: str
    current_alerts: int
    new_alerts: int
    current_levels: dict[str, int]
    new_levels: dict[str, int]


@dataclass
class Preview:
    rows: list[MonthRow]
    current_total: int
    new_total: int
    newly_flagged: list[Cadre] = field(default_factory=list)
    newly_flagged_count: int = 0
    no_longer_flagged: list[Cadre] = field(default_factory=list)
    no_longer_flagged_count: int = 0
    chart: dict = field(default_factory=dict)


def preview_months(on: datetime.date, count: int = PREVIEW_MONTHS) -> list[tuple[datetime.date, datetime.date]]:
    """The ``count`` months up to ``on``'s: (first day, month end — or ``on`` in the current month)."""
    months = []
    for back in range(count - 1, -1, -1):
        first = add_months(on.replace(day=1), -back)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        months.append((first, min(last, on)))
    return months


def load_history(on: datetime.date, longest_window_months: int, count: int = PREVIEW_MONTHS) -> History:
    """Records, appointments and active units needed to replay ``count`` months up to ``on``: three queries."""
    months = preview_months(on, count)
    first_day = months[0][0]
    # Alerts raised up to a window before the first month still hold back alerts in it; two windows
    # of earlier records rebuild them.
    since = add_months(first_day, -2 * longest_window_months)
    records = np.array(list(Record.objects.filter(date__gt=since, date__lte=on)
                            .values_list("cadre_id", "record_type_id", "date")), dtype=object).reshape(-1, 3)
    appointments = list(Appointment.objects.filter(unit__is_active=True, start_date__lte=on)
                        .exclude(end_date__lt=first_day)
                        .values_list("unit_id", "cadre_id", "start_date", "end_date"))
    return History(
        months=months,
        record_cadres=records[:, 0].astype(np.int64),
        record_types=records[:, 1].astype(np.int64),
        record_days=np.array([day.toordinal() for day in records[:, 2]], dtype=np.int64),
        appointment_units=np.array([row[0] for row in appointments], dtype=np.int64),
        appointment_cadres=np.array([row[1] for row in appointments], dtype=np.int64),
        appointment_starts=np.array([row[2].toordinal() for row in appointments], dtype=np.int64),
        appointment_ends=np.array([row[3].toordinal() if row[3] else _OPEN_END for row in appointments],
                                  dtype=np.int64),
        unit_ids=np.array(sorted(Unit.objects.active().values_list("pk", flat=True)), dtype=np.int64),
    )


def _tenths(value: Decimal) -> int:
    return int((Decimal(value) * 10).to_integral_value())


class _Points:
    """Points of any (cadre, day) under one rule set, from cumulative sums."""

    def __init__(self, history: History, rules: Rules, type_points: dict[int, Decimal]):
        self.rules = rules
        lookup = {type_id: _tenths(value) for type_id, value in type_points.items()}
        tenths = np.array([lookup.get(type_id, 0) for type_id in history.record_types], dtype=np.int64)
        counted = tenths > 0
        keys = history.record_cadres[counted] * _DAY_SPAN + history.record_days[counted]
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.cumulative = np.concatenate([[0], np.cumsum(tenths[counted][order])])
        self.event_cadres = history.record_cadres[counted][order]
        self.event_days = history.record_days[counted][order]
        self._starts: dict[int, int] = {}

    def window_starts(self, days: np.ndarray) -> np.ndarray:
        for day in np.unique(days):
            if int(day) not in self._starts:
                self._starts[int(day)] = window_start(datetime.date.fromordinal(int(day)), self.rules).toordinal()
        return np.array([self._starts[int(day)] for day in days], dtype=np.int64)

    def at(self, cadres: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Points in tenths of each cadre at each day (records dated in (window start, day])."""
        upto = np.searchsorted(self.keys, cadres * _DAY_SPAN + days, side="right")
        before = np.searchsorted(self.keys, cadres * _DAY_SPAN + self.window_starts(days), side="right")
        return self.cumulative[upto] - self.cumulative[before]

    def line_ranks(self, tenths: np.ndarray) -> np.ndarray:
        rules = self.rules
        return ((tenths >= _tenths(rules.reminder_line)).astype(np.int64)
                + (tenths >= _tenths(rules.inquiry_line)) + (tenths >= _tenths(rules.admonishment_line)))


_LINES = (Line.NONE, Line.REMINDER, Line.INQUIRY, Line.ADMONISHMENT)


def replay(history: History, rules: Rules, type_points: dict[int, Decimal]) -> Replay:
    points = _Points(history, rules, type_points)
    month_of = {}
    first_counted = history.months[0][0].toordinal()
    for index, (first, last) in enumerate(history.months):
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            month_of[ordinal] = index
    alerts: list[dict[str, int]] = [defaultdict(int) for _ in history.months]
    flagged: set[int] = set()

    # Alerts: a cadre's points rise only on the days its records are dated.
    if len(points.keys):
        unique_keys = np.unique(points.keys)
        cadres, days = unique_keys // _DAY_SPAN, unique_keys % _DAY_SPAN
        ranks = points.line_ranks(points.at(cadres, days))
        at_line = ranks > 0
        cadres, days, ranks = cadres[at_line], days[at_line], ranks[at_line]
        starts = points.window_starts(days)
        raised: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for cadre, day, rank, start in zip(cadres.tolist(), days.tolist(), ranks.tolist(), starts.tolist(),
                                           strict=True):
            earlier = raised[cadre]
            if any(raised_day > start and raised_rank >= rank for raised_day, raised_rank in earlier):
                continue
            earlier.append((day, rank))
            if day >= first_counted:
                alerts[month_of[day]][_LINES[rank].value] += 1
                flagged.add(cadre)

    # Units at each month end: the share of serving cadres with points and the lines they are at.
    levels: list[dict[str, int]] = []
    unit_count = len(history.unit_ids)
    for _first, last in history.months:
        day = last.toordinal()
        serving = (history.appointment_starts <= day) & (history.appointment_ends >= day)
        pairs = np.unique(np.stack([history.appointment_units[serving], history.appointment_cadres[serving]]),
                          axis=1) if serving.any() else np.zeros((2, 0), dtype=np.int64)
        unit_index = np.searchsorted(history.unit_ids, pairs[0])
        tenths = points.at(pairs[1], np.full(pairs.shape[1], day, dtype=np.int64))
        ranks = points.line_ranks(tenths)
        counts = np.bincount(unit_index, minlength=unit_count)
        with_points = np.bincount(unit_index, weights=tenths > 0, minlength=unit_count)
        by_line = {line: np.bincount(unit_index, weights=ranks == rank, minlength=unit_count)
                   for rank, line in enumerate(_LINES) if rank}
        month_levels = dict.fromkeys(WarningLevel.values, 0)
        for index in range(unit_count):
            if not counts[index]:
                month_levels[WarningLevel.NONE] += 1
                continue
            level = warning_level(int(counts[index]), int(with_points[index]),
                                  {line: int(values[index]) for line, values in by_line.items()}, rules)
            month_levels[level] += 1
        levels.append(month_levels)
    return Replay(alerts=[dict(month) for month in alerts], levels=levels, flagged=flagged)


def rule_preview(draft: RuleDraft, current: RulesInForce, on: datetime.date, *, sample: int = 30) -> Preview:
    """The draft next to the rules in force, month by month over the three years up to ``on``."""
    history = load_history(on, max(draft.rules.window_months, current.rules.window_months))
    before = replay(history, current.rules, current.type_points)
    after = replay(history, draft.rules, draft.type_points)
    rows = [
        MonthRow(month=f"{first:%Y-%m}", current_alerts=sum(before.alerts[index].values()),
                 new_alerts=sum(after.alerts[index].values()), current_levels=before.levels[index],
                 new_levels=after.levels[index])
        for index, (first, _last) in enumerate(history.months)
    ]
    newly, no_longer = sorted(after.flagged - before.flagged), sorted(before.flagged - after.flagged)
    names = Cadre.objects.in_bulk(newly[:sample] + no_longer[:sample])
    return Preview(
        rows=rows, current_total=sum(row.current_alerts for row in rows), new_total=sum(row.new_alerts for row in rows),
        newly_flagged=[names[pk] for pk in newly[:sample] if pk in names], newly_flagged_count=len(newly),
        no_longer_flagged=[names[pk] for pk in no_longer[:sample] if pk in names],
        no_longer_flagged_count=len(no_longer), chart=alert_chart(rows),
    )


def alert_chart(rows: list[MonthRow], height: int = 120, bar: int = 7, gap: int = 4) -> dict:
    """Geometry of a bar chart of alerts per month (current and proposed side by side), for inline SVG."""
    top = max([1, *(row.current_alerts for row in rows), *(row.new_alerts for row in rows)])
    step = 2 * bar + gap
    bars = []
    for index, row in enumerate(rows):
        x = index * step
        for offset, value, css in ((0, row.current_alerts, "bar-current"), (bar, row.new_alerts, "bar-new")):
            length = round(value / top * height)
            bars.append({"x": x + offset, "y": height - length, "height": length, "css": css, "value": value,
                         "month": row.month})
    labels = [{"x": index * step, "text": row.month} for index, row in enumerate(rows) if index % 6 == 0]
    return {"width": len(rows) * step, "height": height, "label_y": height + 14, "top": top, "bars": bars,
            "labels": labels, "bar": bar}
