"""Unit warnings and cadres' points as spreadsheets: the overview page's Excel download and the
``export_warnings`` / ``export_points`` commands, which compute at a date from the records.

Text that a spreadsheet program would read as a formula (= + - @, or a leading tab or return) is
written with a leading apostrophe, so a name typed into a record can never run in an officer's Excel.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from assessment.exports import EXPORT_FORMATS as RESULT_EXPORT_FORMATS
from assessment.exports import ResultsTable, results_xlsx_bytes
from cadres.models import Appointment, Cadre, Unit
from supervision.models import UnitWarningState
from supervision.points import WarningLevel, cadre_points, line_of
from supervision.rules import in_force
from supervision.warnings import compute_unit_warnings

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WARNING_COLUMNS = ("unit_code", "unit_name", "level", "share", "cadres", "cadres_with_points", "reason")
POINTS_COLUMNS = ("id_number", "name", "unit_code", "points", "line")


# The same flat tables and writers as the results export (formula-safe, UTF-8 CSV with a BOM).
Table = ResultsTable
EXPORT_FORMATS = RESULT_EXPORT_FORMATS


def warnings_table(on: datetime.date) -> Table:
    """One row per active unit, its warning at ``on`` computed from the records."""
    unit_warnings = compute_unit_warnings(on, in_force(on))
    units = Unit.objects.active().filter(pk__in=list(unit_warnings)).order_by("sort_order", "code")
    rows = []
    for unit in units:
        warning = unit_warnings[unit.pk]
        rows.append([unit.code, unit.name, warning.level.value, warning.share.quantize(Decimal("0.0001")),
                     warning.cadres, warning.cadres_with_points, warning.reason])
    return Table(header=list(WARNING_COLUMNS), rows=rows)


def points_table(on: datetime.date) -> Table:
    """One row per cadre holding a post at ``on``: points and line at ``on`` computed from the records."""
    rules = in_force(on)
    units: dict[int, list[str]] = defaultdict(list)
    for cadre_id, code in (Appointment.objects.active_on(on).order_by("unit__sort_order", "unit__code")
                           .values_list("cadre_id", "unit__code")):
        if code not in units[cadre_id]:
            units[cadre_id].append(code)
    points = cadre_points(None, on, rules.rules, rules.type_points)
    rows = []
    for cadre_id, id_number, name in (Cadre.objects.filter(pk__in=list(units)).order_by("name", "pk")
                                      .values_list("pk", "id_number", "name")):
        value = points.get(cadre_id, Decimal(0))
        rows.append([id_number, name, ";".join(units[cadre_id]), value, line_of(value, rules.rules).value])
    return Table(header=list(POINTS_COLUMNS), rows=rows)


def overview_xlsx_bytes(states: Iterable[UnitWarningState]) -> bytes:
    """The overview page as shown (filters and order applied), with Chinese headers."""
    rows = [[state.unit.code, state.unit.name, state.unit.get_kind_display(), str(WarningLevel(state.level).label),
             state.share, state.cadres, state.cadres_with_points, state.reason, state.evaluated_on]
            for state in states]
    header = [_("单位代码"), _("单位名称"), _("单位类型"), _("预警等级"), _("有积分干部比例"), _("在任干部"),
              _("有积分干部"), _("原因"), _("评估日期")]
    return results_xlsx_bytes(Table(header=header, rows=rows), title=str(_("单位预警")))

