"""What supervision records do to annual grades (SPEC §6).

``grade_restrictions`` is a source of ``settings.GRADE_LIMIT_SOURCES``: the grading service
(``assessment.grade_limits``) asks it without importing it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessment.grade_limits import ALL_GRADES
from assessment.models import Grade
from supervision.models import GradeEffect, Record

# Heavier effects win (SPEC §6: "when several apply, the heaviest wins").
_SEVERITY = {
    GradeEffect.NOT_EXCELLENT: 1,
    GradeEffect.UNDETERMINED: 2,
    GradeEffect.UNDETERMINED_TWO_YEARS: 2,
    GradeEffect.INCOMPETENT: 3,
}
_ALLOWED_GRADES = {
    GradeEffect.NOT_EXCELLENT: ALL_GRADES - {Grade.EXCELLENT},
    GradeEffect.UNDETERMINED: frozenset({Grade.UNDETERMINED}),
    GradeEffect.UNDETERMINED_TWO_YEARS: frozenset({Grade.UNDETERMINED}),
    GradeEffect.INCOMPETENT: frozenset({Grade.INCOMPETENT}),
}


@dataclass(frozen=True)
class GradeRestriction:
    """One record limiting one cadre's grade for one year."""

    effect: str
    record: Record

    @property
    def severity(self) -> int:
        return _SEVERITY[self.effect]

    @property
    def allowed_grades(self) -> frozenset[str]:
        return _ALLOWED_GRADES[self.effect]

    def reason(self) -> str:
        return _("%(record)s：%(effect)s") % {
            "record": self.record.describe(), "effect": GradeEffect(self.effect).label,
        }


def _applies_in(effect: str, record_year: int, year: int) -> bool:
    if effect == GradeEffect.UNDETERMINED_TWO_YEARS:
        return year in (record_year, record_year + 1)
    return year == record_year


def grade_restrictions(cadre_ids: Iterable[int], year: int) -> dict[int, list[GradeRestriction]]:
    """{cadre id: restrictions for ``year``}, heaviest first; cadres without any are left out.

    One query for any number of cadres, so a unit's whole grading sheet costs the same as one cadre."""
    records = (
        Record.objects.filter(cadre_id__in=list(cadre_ids), date__year__in=(year - 1, year))
        .exclude(record_type__grade_effect=GradeEffect.NONE)
        .select_related("record_type")
        .order_by("date", "pk")
    )
    restrictions: dict[int, list[GradeRestriction]] = defaultdict(list)
    for record in records:
        effect = record.record_type.grade_effect
        if _applies_in(effect, record.date.year, year):
            restrictions[record.cadre_id].append(GradeRestriction(effect, record))
    for items in restrictions.values():
        items.sort(key=lambda item: -item.severity)
    return dict(restrictions)
