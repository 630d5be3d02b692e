"""Turning records into points, alerts and unit warnings (SPEC §7).

``after_records_changed`` runs in the request that saved or imported records, so the officer sees an
alert before leaving the page; the nightly job ``evaluate_everyone`` re-evaluates every cadre and
every unit because points expire as records age out of the window. Both go through the same steps,
each a fixed number of set-based queries whatever the number of cadres.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cadres.models import Appointment, Cadre
from supervision import warnings
from supervision.models import Alert, CadrePointsState, Record
from supervision.points import LINE_RANK, Line, cadre_points, line_of, window_start
from supervision.rules import RulesInForce, in_force

# Above this many cadres a query reads every record of the window instead of listing the cadres.
_LISTED_CADRES = 500


@dataclass(frozen=True)
class EvaluationSummary:
    on: datetime.date
    cadres: int
    cadres_at_a_line: int
    alerts_raised: int
    units: int
    efficiency_warnings: int = 0


def after_records_changed(cadre_ids: Iterable[int], on: datetime.date | None = None) -> list[Alert]:
    """Re-evaluate these cadres at ``on`` (today) and the units they serve in; returns the alerts raised."""
    on = on or timezone.localdate()
    cadre_ids = sorted(set(cadre_ids))
    if not cadre_ids:
        return []
    rules = in_force(on)
    points = cadre_points(cadre_ids, on, rules.rules, rules.type_points)
    with transaction.atomic():
        store_points_states({cadre_id: points.get(cadre_id, Decimal(0)) for cadre_id in cadre_ids}, on, rules,
                            everyone=False)
        raised = raise_alerts(points, on, rules, cadre_ids=cadre_ids)
        unit_ids = set(Appointment.objects.active_on(on).filter(cadre_id__in=cadre_ids)
                       .values_list("unit_id", flat=True))
        if unit_ids:
            warnings.store_unit_warnings(warnings.compute_unit_warnings(on, rules, unit_ids=unit_ids), on, rules)
    return raised


def evaluate_everyone(on: datetime.date | None = None) -> EvaluationSummary:
    """The nightly re-evaluation of every cadre's points and alerts, every unit's warning and the
    efficiency warnings of the assessment periods."""
    from supervision.efficiency import evaluate_efficiency_warnings

    on = on or timezone.localdate()
    rules = in_force(on)
    points = cadre_points(None, on, rules.rules, rules.type_points)
    everyone = dict.fromkeys(Cadre.objects.values_list("pk", flat=True), Decimal(0))
    everyone.update(points)
    with transaction.atomic():
        store_points_states(everyone, on, rules, everyone=True)
        raised = raise_alerts(points, on, rules)
        unit_warnings = warnings.compute_unit_warnings(on, rules, points=points)
        warnings.store_unit_warnings(unit_warnings, on, rules)
        efficiency = evaluate_efficiency_warnings(on)
    return EvaluationSummary(
        on=on, cadres=len(everyone), cadres_at_a_line=sum(1 for value in points.values()
                                                           if line_of(value, rules.rules) != Line.NONE),
        alerts_raised=len(raised), units=len(unit_warnings), efficiency_warnings=efficiency,
    )


def store_points_states(points: Mapping[int, Decimal], on: datetime.date, rules: RulesInForce, *,
                        everyone: bool) -> None:
    """Write each cadre's points and line; only rows whose points or line changed are rewritten.

    ``everyone``: ``points`` holds every cadre, so one statement dates all the other rows."""
    states = CadrePointsState.objects.all() if everyone else CadrePointsState.objects.filter(cadre_id__in=list(points))
    existing = {cadre_id: (pk, value, line) for pk, cadre_id, value, line
                in states.values_list("pk", "cadre_id", "points", "line")}
    created, changed = [], []
    for cadre_id, value in points.items():
        line = line_of(value, rules.rules)
        if cadre_id not in existing:
            created.append(CadrePointsState(cadre_id=cadre_id, points=value, line=line, evaluated_on=on))
            continue
        pk, old_value, old_line = existing[cadre_id]
        if old_value != value or old_line != line:
            changed.append(CadrePointsState(pk=pk, cadre_id=cadre_id, points=value, line=line, evaluated_on=on))
    CadrePointsState.objects.bulk_create(created, batch_size=5000)
    CadrePointsState.objects.bulk_update(changed, ["points", "line", "evaluated_on"], batch_size=2000)
    states.exclude(evaluated_on=on).update(evaluated_on=on)


def raise_alerts(points: Mapping[int, Decimal], on: datetime.date, rules: RulesInForce, *,
                 cadre_ids: list[int] | None = None) -> list[Alert]:
    """An alert for each cadre at a line with no alert at that line or a higher one since the window
    began; only the highest line reached, linked to the records of the window that carry points."""
    since = window_start(on, rules.rules)
    reached = {cadre_id: line_of(value, rules.rules) for cadre_id, value in points.items()}
    reached = {cadre_id: line for cadre_id, line in reached.items() if line != Line.NONE}
    if not reached:
        return []
    earlier = Alert.objects.filter(raised_on__gt=since)
    if cadre_ids is not None:
        earlier = earlier.filter(cadre_id__in=cadre_ids)
    highest: dict[int, int] = {}
    for cadre_id, line in earlier.values_list("cadre_id", "line"):
        highest[cadre_id] = max(highest.get(cadre_id, 0), LINE_RANK.get(line, 0))
    due = sorted(cadre_id for cadre_id, line in reached.items() if LINE_RANK[line] > highest.get(cadre_id, 0))
    if not due:
        return []
    alerts = Alert.objects.bulk_create(
        [Alert(cadre_id=cadre_id, line=reached[cadre_id], points=points[cadre_id], raised_on=on,
               rule_version=rules.version) for cadre_id in due],
        batch_size=2000,
    )
    alert_of = {alert.cadre_id: alert.pk for alert in alerts}
    counted = [type_id for type_id, value in rules.type_points.items() if value]
    causes = Record.objects.filter(date__gt=since, date__lte=on, record_type_id__in=counted)
    if len(due) <= _LISTED_CADRES:
        causes = causes.filter(cadre_id__in=due)
    links = [Alert.records.through(alert_id=alert_of[cadre_id], record_id=record_id)
             for record_id, cadre_id in causes.values_list("pk", "cadre_id").order_by("pk")
             if cadre_id in alert_of]
    Alert.records.through.objects.bulk_create(links, batch_size=5000)
    return alerts
