"""The honour list of a period (光荣榜), the 骏马奖 and 蜗牛奖, and the streaks the list flags.

The list is every track's first tier (``UnitResult.tier == 1``) in rank order. A unit is flagged
when it was in the first tier in each of the last three annual periods of schemes with this scheme's
name (a scheme is renewed each year under the same name), and a cadre when graded 优秀 in each of the
last three years (SPEC §6: 记三等功, 优先提拔).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from accounts.audit import record_event
from assessment.models import CadreGrade, Grade, Period, PeriodType, Track, UnitResult
from cadres.models import Cadre, Unit
from feedback.models import Award

STREAK_YEARS = 3


@dataclass(frozen=True)
class HonourEntry:
    result: UnitResult
    three_years_first: bool


@dataclass(frozen=True)
class HonourTrack:
    track: Track
    entries: list[HonourEntry]


@dataclass(frozen=True)
class ExcellentCadre:
    cadre: Cadre
    unit: Unit


def period_year(period: Period) -> int:
    return period.start_date.year


def streak_years(period: Period) -> list[int]:
    """The years a streak ending with the period's year spans, oldest first."""
    year = period_year(period)
    return list(range(year - STREAK_YEARS + 1, year + 1))


def units_first_three_years(period: Period, unit_ids) -> set[int]:
    """Units in the first tier in every one of the last three annual periods (this year included)."""
    years = streak_years(period)
    rows = (UnitResult.objects
            .filter(unit_id__in=list(unit_ids), tier=1, period__scheme__name=period.scheme.name,
                    period__period_type=PeriodType.YEAR, period__start_date__year__in=years)
            .values_list("unit_id", "period__start_date__year").distinct())
    seen: dict[int, set[int]] = defaultdict(set)
    for unit_id, year in rows:
        seen[unit_id].add(year)
    return {unit_id for unit_id, found in seen.items() if found >= set(years)}


def honour_list(period: Period) -> list[HonourTrack]:
    results = list(UnitResult.objects.filter(period=period, tier=1).select_related("unit", "track")
                   .order_by("track__sort_order", "track__code", "rank", "unit__code"))
    streaks = units_first_three_years(period, {result.unit_id for result in results})
    by_track: dict[int, list[HonourEntry]] = defaultdict(list)
    tracks: dict[int, Track] = {}
    for result in results:
        tracks[result.track_id] = result.track
        by_track[result.track_id].append(HonourEntry(result, result.unit_id in streaks))
    return [HonourTrack(tracks[track_id], entries) for track_id, entries in by_track.items()]


def cadres_excellent_three_years(period: Period) -> list[ExcellentCadre]:
    """Cadres graded 优秀 in each of the last three years, whose latest grade is in a unit of the scheme."""
    years = streak_years(period)
    streak = (CadreGrade.objects.filter(grade=Grade.EXCELLENT, year__in=years).values("cadre_id")
              .annotate(years=Count("year", distinct=True)).filter(years=len(years)).values("cadre_id"))
    latest = (CadreGrade.objects.filter(year=years[-1], cadre_id__in=streak,
                                        unit__track_memberships__scheme=period.scheme)
              .select_related("cadre", "unit").order_by("unit__code", "cadre__name"))
    return [ExcellentCadre(grade.cadre, grade.unit) for grade in latest]


# --- Awards (骏马奖, 蜗牛奖) ------------------------------------------------------------------------------


def _clean_award(period: Period, kind: str, unit: Unit | None, cadre: Cadre | None, citation: str) -> str:
    errors: dict[str, list[str]] = {}
    if (unit is None) == (cadre is None):
        errors["__all__"] = [_("奖项授予一个单位或一名干部，二者选其一")]
    elif unit is not None and not period.scheme.memberships.filter(unit=unit).exists():
        errors["unit"] = [_("%(unit)s不是该考核方案的考核对象") % {"unit": unit.name}]
    citation = (citation or "").strip()
    if not citation:
        errors["citation"] = [_("请填写评语")]
    if errors:
        raise ValidationError(errors)
    return citation


def award_give(*, period: Period, kind: str, unit: Unit | None = None, cadre: Cadre | None = None,
               citation: str, user=None, request=None) -> Award:
    citation = _clean_award(period, kind, unit, cadre, citation)
    try:
        with transaction.atomic():
            award = Award.objects.create(period=period, kind=kind, unit=unit, cadre=cadre, citation=citation,
                                         awarded_by=user if user is not None and user.is_authenticated else None)
            record_event("feedback.award.given", user=user, request=request, obj=award, period=period.pk,
                         kind=kind, unit=unit.pk if unit else None, cadre=cadre.pk if cadre else None)
    except IntegrityError as exc:
        raise ValidationError(_("%(name)s本周期已获此奖项") % {"name": (unit or cadre).name}) from exc
    return award


def award_edit(award: Award, *, citation: str, user=None, request=None) -> Award:
    citation = _clean_award(award.period, award.kind, award.unit, award.cadre, citation)
    if citation != award.citation:
        with transaction.atomic():
            before = award.citation
            award.citation = citation
            award.save(update_fields=["citation"])
            record_event("feedback.award.edited", user=user, request=request, obj=award, before=before,
                         after=citation)
    return award


def award_withdraw(award: Award, *, user=None, request=None) -> None:
    with transaction.atomic():
        record_event("feedback.award.withdrawn", user=user, request=request, obj=award, period=award.period_id,
                     kind=award.kind, citation=award.citation)
        award.delete()
