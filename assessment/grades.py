"""Individual annual grades (年度考核等次, SPEC §6): who is graded, the 优秀 quota and the record rules.

The grading page and any script enter grades through ``grade_enter`` only, so the quota and the
supervision rules hold however a grade arrives."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.grade_limits import ALL_GRADES, GradeLimit, allowed_grades, grade_limits
from assessment.models import CadreGrade, Grade, Period, PeriodState, PeriodType, Scheme, UnitResult
from cadres.models import Appointment, AppointmentRole, Cadre, Unit

DEFAULT_SCHEME = Scheme()  # unsaved: carries the model's default shares when a year has no scheme


class GradeRefused(Exception):
    """A grade the rules do not allow; ``reasons`` says why, in words an officer can act on."""

    def __init__(self, reasons: list[str]):
        super().__init__("；".join(reasons))
        self.reasons = reasons


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ExcellentQuota:
    share: Decimal
    graded: int  # cadres to be graded, 不定等次 left out: "no grade" takes no share of the quota
    used: int
    basis: str  # why this share applies

    @property
    def quota(self) -> int:
        if self.graded <= 0:
            return 0
        return max(1, round_half_up(self.graded * self.share))

    @property
    def share_percent(self) -> str:
        return f"{(self.share * 100).normalize():f}"

    def describe(self) -> str:
        return _("本单位参加考核 %(graded)d 人，优秀比例 %(share)s%%%(basis)s，名额 %(quota)d 人，已评优秀 %(used)d 人") % {
            "graded": self.graded, "basis": f"（{self.basis}）" if self.basis else "", "share": self.share_percent,
            "quota": self.quota, "used": self.used,
        }


@dataclass
class GradeRow:
    cadre: Cadre
    appointment: Appointment
    grade: CadreGrade | None
    restrictions: list[GradeLimit]
    principal_of_vetoed_unit: bool
    veto_reason: str = ""

    @property
    def allowed(self) -> frozenset[str]:
        allowed = allowed_grades(self.restrictions)
        if self.principal_of_vetoed_unit:
            allowed = allowed - {Grade.EXCELLENT}
        return allowed

    def reasons_against(self, grade: str) -> list[str]:
        reasons = [item.reason() for item in self.restrictions if grade not in item.allowed_grades]
        if grade == Grade.EXCELLENT and self.principal_of_vetoed_unit:
            reasons.append(_("本单位被一票否决（%(reason)s），正职不得评为优秀") % {"reason": self.veto_reason})
        return reasons

    @property
    def limits(self) -> list[str]:
        """Every rule narrowing this cadre's grades, shown before the officer chooses."""
        reasons = [item.reason() for item in self.restrictions]
        if self.principal_of_vetoed_unit:
            reasons.append(_("本单位被一票否决（%(reason)s），正职不得评为优秀") % {"reason": self.veto_reason})
        return reasons


@dataclass
class GradeSheet:
    unit: Unit
    year: int
    result: UnitResult | None
    scheme: Scheme
    quota: ExcellentQuota
    rows: list[GradeRow] = field(default_factory=list)

    @property
    def tier_name(self) -> str:
        return self.scheme.tier_name(self.result.tier) if self.result else ""

    def row_for(self, cadre_id: int) -> GradeRow | None:
        return next((row for row in self.rows if row.cadre.pk == cadre_id), None)


def grading_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """Cadres are graded in the unit they serve at the end of the year, or today while it runs."""
    return min(datetime.date(year, 12, 31), today or timezone.localdate())


def annual_results(unit_ids, year: int) -> dict[int, UnitResult]:
    """{unit id: its result in the annual assessment of ``year``}: a published period first, then the latest."""
    chosen: dict[int, UnitResult] = {}
    for result in (UnitResult.objects.filter(unit_id__in=list(unit_ids), period__period_type=PeriodType.YEAR,
                                             period__end_date__year=year).select_related("period__scheme")):
        preference = (result.period.state == PeriodState.PUBLISHED, result.period.end_date)
        held = chosen.get(result.unit_id)
        if held is None or preference > (held.period.state == PeriodState.PUBLISHED, held.period.end_date):
            chosen[result.unit_id] = result
    return chosen


def annual_result(unit: Unit, year: int) -> UnitResult | None:
    return annual_results([unit.pk], year).get(unit.pk)


def _veto_reason(result: UnitResult) -> str:
    verdict = result.period.verdicts.filter(unit_id=result.unit_id, kind="veto").select_related("veto_item").first()
    if verdict is None:
        return _("一票否决")
    return verdict.veto_item.name if verdict.veto_item else verdict.reason


def _share(scheme: Scheme, result: UnitResult | None) -> tuple[Decimal, str]:
    if result is not None and (result.vetoed or result.tier == 3):
        basis = _("一票否决单位") if result.vetoed else scheme.tier_name(3)
        return scheme.excellent_share_third_tier, basis
    if result is not None and result.tier == 1:
        return scheme.excellent_share_first_tier, scheme.tier_name(1)
    return scheme.excellent_share, ""


def grade_sheet(unit: Unit, year: int, *, today: datetime.date | None = None) -> GradeSheet:
    """Everyone the unit grades for ``year`` with their current grade and what limits it."""
    on = grading_date(year, today)
    appointments = (
        Appointment.objects.active_on(on).filter(unit=unit).select_related("cadre")
        .order_by("cadre__name", "cadre_id")
    )
    by_cadre: dict[int, Appointment] = {}
    for appointment in appointments:
        # A cadre holding two posts in one unit is graded once, under the principal post if any.
        held = by_cadre.get(appointment.cadre_id)
        if held is None or appointment.role == AppointmentRole.PRINCIPAL:
            by_cadre[appointment.cadre_id] = appointment
    grades = {item.cadre_id: item for item in CadreGrade.objects.filter(cadre_id__in=by_cadre, year=year)}
    restrictions = grade_limits(by_cadre, year)
    result = annual_result(unit, year)
    scheme = result.period.scheme if result else (Scheme.objects.filter(year=year).first() or DEFAULT_SCHEME)
    vetoed = bool(result and result.vetoed)
    veto_reason = _veto_reason(result) if vetoed else ""
    rows = [
        GradeRow(
            cadre=appointment.cadre, appointment=appointment, grade=grades.get(cadre_id),
            restrictions=restrictions.get(cadre_id, []),
            principal_of_vetoed_unit=vetoed and appointment.role == AppointmentRole.PRINCIPAL,
            veto_reason=veto_reason,
        )
        for cadre_id, appointment in by_cadre.items()
    ]
    share, basis = _share(scheme, result)
    quota = ExcellentQuota(
        share=share,
        graded=sum(1 for row in rows if not (row.grade and row.grade.grade == Grade.UNDETERMINED)),
        used=sum(1 for row in rows if row.grade and row.grade.grade == Grade.EXCELLENT),
        basis=basis,
    )
    return GradeSheet(unit=unit, year=year, result=result, scheme=scheme, quota=quota, rows=rows)


def _quota_after(sheet: GradeSheet, row: GradeRow, grade: str) -> ExcellentQuota:
    """The quota as it would stand with ``grade`` given to ``row``'s cadre."""
    before = row.grade.grade if row.grade else None
    quota = sheet.quota
    graded = quota.graded + (before == Grade.UNDETERMINED) - (grade == Grade.UNDETERMINED)
    used = quota.used - (before == Grade.EXCELLENT) + (grade == Grade.EXCELLENT)
    return ExcellentQuota(share=quota.share, graded=graded, used=used, basis=quota.basis)


def grade_enter(*, unit: Unit, cadre_id: int, year: int, grade: str, comment: str = "",
                user=None, request=None) -> CadreGrade:
    """Give a cadre of ``unit`` a grade for ``year``, or raise ``GradeRefused`` naming every reason."""
    if grade not in ALL_GRADES:
        raise GradeRefused([_("“%(grade)s”不是有效的考核等次") % {"grade": grade}])
    with transaction.atomic():
        # Two officers grading the same unit at once must not both take its last 优秀 place.
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        sheet = grade_sheet(unit, year)
        row = sheet.row_for(cadre_id)
        if row is None:
            raise GradeRefused([_("该干部不是%(unit)s %(year)d 年度参加考核的干部") % {"unit": unit.name, "year": year}])
        reasons = row.reasons_against(grade)
        before, after = sheet.quota, _quota_after(sheet, row, grade)
        # Refuse only a change that makes the excess worse, so an office over its quota (say, after the
        # unit's tier fell) can still move people down.
        if after.used > after.quota and after.used - after.quota > before.used - before.quota:
            if grade == Grade.EXCELLENT:
                reasons.append(_("优秀名额已满：%(quota)s") % {"quota": before.describe()})
            else:
                reasons.append(_("改为该等次后优秀名额不足：%(quota)s") % {"quota": after.describe()})
        if reasons:
            raise GradeRefused(reasons)
        entry, _created = CadreGrade.objects.update_or_create(
            cadre_id=cadre_id, year=year,
            defaults={"unit": unit, "grade": grade, "comment": comment, "entered_by": user},
        )
        record_event("grade.enter", user=user, request=request, obj=entry, unit=unit.code, year=year, grade=grade)
    return entry


@dataclass(frozen=True)
class UnitGradeSummary:
    unit: Unit
    cadres: int
    graded: int  # cadres with any grade entered
    quota: ExcellentQuota
    tier_name: str

    @property
    def complete(self) -> bool:
        return self.cadres > 0 and self.graded >= self.cadres


def grade_years(today: datetime.date | None = None) -> list[int]:
    """Years offered for grading: every year with an annual assessment, and the current one."""
    years = set(CadreGrade.objects.values_list("year", flat=True).distinct())
    years |= {end.year for end in Period.objects.filter(period_type=PeriodType.YEAR).values_list("end_date", flat=True)}
    years.add((today or timezone.localdate()).year)
    return sorted(years, reverse=True)


def grade_overview(year: int, units, *, today: datetime.date | None = None) -> list[UnitGradeSummary]:
    """One line per unit for ``year``: how many to grade, how many graded, the 优秀 quota. A fixed
    number of queries whatever the number of units."""
    units = list(units)
    unit_ids = [unit.pk for unit in units]
    on = grading_date(year, today)
    cadre_counts = dict(
        Appointment.objects.active_on(on).filter(unit_id__in=unit_ids)
        .values("unit_id").annotate(n=Count("cadre", distinct=True)).values_list("unit_id", "n")
    )
    grade_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, grade, n in (
        CadreGrade.objects.filter(year=year, unit_id__in=unit_ids)
        .values("unit_id", "grade").annotate(n=Count("pk")).values_list("unit_id", "grade", "n")
    ):
        grade_counts[unit_id][grade] = n
    results = annual_results(unit_ids, year)
    fallback_scheme = Scheme.objects.filter(year=year).first() or DEFAULT_SCHEME
    summaries = []
    for unit in units:
        result = results.get(unit.pk)
        scheme = result.period.scheme if result else fallback_scheme
        share, basis = _share(scheme, result)
        counts = grade_counts.get(unit.pk, {})
        cadres = cadre_counts.get(unit.pk, 0)
        quota = ExcellentQuota(share=share, graded=cadres - counts.get(Grade.UNDETERMINED, 0),
                               used=counts.get(Grade.EXCELLENT, 0), basis=basis)
        summaries.append(UnitGradeSummary(unit=unit, cadres=cadres, graded=sum(counts.values()), quota=quota,
                                          tier_name=scheme.tier_name(result.tier) if result else ""))
    return summaries


def default_grade_year(today: datetime.date | None = None) -> int:
    """The latest year with an annual assessment, which is the one an office grades next."""
    ends = Period.objects.filter(period_type=PeriodType.YEAR).order_by("-end_date").values_list("end_date", flat=True)
    latest = ends.first()
    return latest.year if latest else (today or timezone.localdate()).year
