"""Unit warnings (红橙黄预警, SPEC §7): computing, storing and reading them.

A unit's colour at a day comes from the points of the cadres holding a post in it that day
(``points.unit_warning``). The stored rows (one per unit and day) are what the pages read; the
exports compute afresh from the records.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from cadres.models import Appointment, Unit
from supervision.models import UnitWarningState
from supervision.points import UnitWarning, WarningLevel, cadre_points, unit_warning
from supervision.rules import RulesInForce

# Most severe first: the overview lists red units before orange ones.
LEVEL_ORDER = (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW, WarningLevel.NONE)


def serving_cadres(on: datetime.date, unit_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """{unit id: ids of the cadres holding a post in it on ``on``} for active units, in one query."""
    appointments = Appointment.objects.active_on(on).filter(unit__is_active=True)
    if unit_ids is not None:
        appointments = appointments.filter(unit_id__in=list(unit_ids))
    team: dict[int, set[int]] = defaultdict(set)
    for unit_id, cadre_id in appointments.values_list("unit_id", "cadre_id"):
        team[unit_id].add(cadre_id)
    return team


def compute_unit_warnings(on: datetime.date, rules: RulesInForce, *, unit_ids: Iterable[int] | None = None,
                          points: Mapping[int, Decimal] | None = None) -> dict[int, UnitWarning]:
    """{unit id: warning at ``on``} for active units (all of them, or these).

    ``points`` ({cadre id: points}, cadres without points left out) saves reading the records again
    when the caller has every cadre's points at hand."""
    units = Unit.objects.active()
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    unit_list = list(units.values_list("pk", flat=True))
    team = serving_cadres(on, None if unit_ids is None else unit_list)
    if points is None:
        members = {cadre_id for cadre_ids in team.values() for cadre_id in cadre_ids}
        points = cadre_points(members, on, rules.rules, rules.type_points) if members else {}
    zero = Decimal(0)
    return {
        unit_id: unit_warning([points.get(cadre_id, zero) for cadre_id in team.get(unit_id, ())], rules.rules)
        for unit_id in unit_list
    }


def store_unit_warnings(unit_warnings: Mapping[int, UnitWarning], on: datetime.date, rules: RulesInForce) -> None:
    """Write the day's row of each unit (a second evaluation on the same day replaces it)."""
    rows = [
        UnitWarningState(unit_id=unit_id, evaluated_on=on, level=warning.level, cadres=warning.cadres,
                         cadres_with_points=warning.cadres_with_points,
                         share=warning.share.quantize(Decimal("0.0001")), reason=warning.reason[:500],
                         rule_version=rules.version)
        for unit_id, warning in unit_warnings.items()
    ]
    UnitWarningState.objects.bulk_create(
        rows, batch_size=2000, update_conflicts=True, unique_fields=["unit", "evaluated_on"],
        update_fields=["level", "cadres", "cadres_with_points", "share", "reason", "rule_version"],
    )


def latest_unit_warnings() -> QuerySet[UnitWarningState]:
    """Each active unit's latest warning.

    The latest rows are found first (an index probe per unit) and then read by primary key: given the
    subquery instead, PostgreSQL may scan every stored day of a level to filter by it."""
    latest = UnitWarningState.objects.filter(unit=OuterRef("pk")).order_by("-evaluated_on").values("pk")[:1]
    ids = [pk for pk in Unit.objects.active().annotate(latest=Subquery(latest)).values_list("latest", flat=True) if pk]
    return (UnitWarningState.objects.filter(pk__in=ids).select_related("unit")
            .annotate(severity=Case(*(When(level=level, then=Value(rank)) for rank, level in enumerate(LEVEL_ORDER)),
                                    default=Value(len(LEVEL_ORDER)), output_field=IntegerField())))


def count_by_level(states: QuerySet[UnitWarningState]) -> dict[str, int]:
    """{level: number of units} in one aggregate query, every level present."""
    totals = states.aggregate(**{level.value: Count("pk", filter=Q(level=level)) for level in LEVEL_ORDER})
    return {level.value: totals[level.value] for level in LEVEL_ORDER}


def unit_warning_history(unit: Unit, limit: int = 60) -> QuerySet[UnitWarningState]:
    return UnitWarningState.objects.filter(unit=unit).select_related("rule_version").order_by("-evaluated_on")[:limit]
