"""Applying a SchemeDraft: make one scheme match it in one transaction, touching only what differs.

Loading the same workbook twice changes nothing the second time. ``preview_scheme`` tells what
``apply_scheme`` would change without storing anything. Period codes (2024, 2024H1, 2024Q3, 2024-07)
name the periods a load opens.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event
from assessment.models import (
    Component,
    ComponentScore,
    Dimension,
    Indicator,
    Period,
    PeriodState,
    PeriodType,
    Scheme,
    Statistic,
    Track,
    TrackMembership,
    Weight,
)
from assessment.recompute import request_recompute
from assessment.scheme_workbook.reading import SchemeDraft
from assessment.scheme_workbook.vocabulary import COMPONENT_SHEET, INDICATOR_SHEET, max_length
from assessment.workbooks import Problem
from cadres.models import Unit, UnitKind

# --- What applying reports --------------------------------------------------------------------


class SchemeRejected(Exception):
    """The draft cannot be applied as asked; ``problems`` says why. Nothing was stored."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = list(problems)


# What apply_scheme counts, in the order a summary lists it.
CHANGE_KINDS = (
    ("components", gettext_lazy("板块")),
    ("tracks", gettext_lazy("赛道")),
    ("units", gettext_lazy("单位")),
    ("memberships", gettext_lazy("赛道成员")),
    ("dimensions", gettext_lazy("维度")),
    ("indicators", gettext_lazy("指标")),
    ("weights", gettext_lazy("指标分值")),
    ("periods", gettext_lazy("考核周期")),
)


@dataclass
class SchemeApplyResult:
    scheme: Scheme
    scheme_created: bool = False
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    periods_created: list[str] = field(default_factory=list)
    recompute_requested: list[str] = field(default_factory=list)

    @property
    def scheme_changes(self) -> int:
        """Changes to what results are computed from; opening a new period is not one."""
        counted = (self.created, self.updated, self.removed)
        return int(self.scheme_created) + sum(count for counts in counted for kind, count in counts.items()
                                              if kind != "periods")

    @property
    def changes(self) -> int:
        return self.scheme_changes + self.created["periods"]

    def counts(self) -> dict[str, dict[str, int]]:
        return {"created": dict(self.created), "updated": dict(self.updated), "removed": dict(self.removed)}

    def summary(self) -> str:
        if not self.changes:
            return _("方案“%(scheme)s”与工作簿一致，未作任何修改。") % {"scheme": self.scheme}
        parts = []
        for kind, label in CHANGE_KINDS:
            created, updated, removed = self.created[kind], self.updated[kind], self.removed[kind]
            if created or updated or removed:
                parts.append(_("%(label)s新增%(created)d、更新%(updated)d、删除%(removed)d") % {
                    "label": label, "created": created, "updated": updated, "removed": removed})
        head = _("已新建方案“%(scheme)s”") if self.scheme_created else _("已更新方案“%(scheme)s”")
        text = head % {"scheme": self.scheme} + "：" + "；".join(parts) + "。"
        if self.recompute_requested:
            text += _("已安排重算周期：%(periods)s。") % {"periods": "、".join(self.recompute_requested)}
        return text


# --- Period codes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSpec:
    code: str
    period_type: str
    start_date: date
    end_date: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


_PERIOD_FORMS: tuple[tuple[re.Pattern, str, Callable[[int, int], tuple[date, date]]], ...] = (
    (re.compile(r"^(\d{4})$"), PeriodType.YEAR, lambda year, _n: (date(year, 1, 1), date(year, 12, 31))),
    (re.compile(r"^(\d{4})H([12])$"), PeriodType.HALF,
     lambda year, n: (date(year, 6 * n - 5, 1), _month_end(year, 6 * n))),
    (re.compile(r"^(\d{4})Q([1-4])$"), PeriodType.QUARTER,
     lambda year, n: (date(year, 3 * n - 2, 1), _month_end(year, 3 * n))),
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodType.MONTH, lambda year, n: (date(year, n, 1), _month_end(year, n))),
)


def parse_period_code(code: str) -> PeriodSpec | None:
    """'2024' → the year, '2024H1' → a half, '2024Q3' → a quarter, '2024-07' → a month; else None."""
    code = code.strip().upper()
    for pattern, period_type, bounds in _PERIOD_FORMS:
        match = pattern.match(code)
        if match:
            try:
                start, end = bounds(int(match[1]), int(match[2]) if match.lastindex > 1 else 0)
            except ValueError:  # month 13
                return None
            return PeriodSpec(code=code, period_type=period_type, start_date=start, end_date=end)
    return None


def _periods_to_open(codes: Iterable[str], year: int) -> list[PeriodSpec]:
    specs, problems = {}, []
    for code in codes:
        spec = parse_period_code(code)
        if spec is None:
            problems.append(Problem(_("周期代码无法识别，应写成 2024、2024H1、2024Q3 或 2024-07 的形式"),
                                    column=_("周期代码"), value=code))
        elif spec.start_date.year != year:
            problems.append(Problem(_("周期不属于%(year)d年度的方案") % {"year": year}, column=_("周期代码"),
                                    value=code))
        else:
            specs[spec.code] = spec
    if problems:
        raise SchemeRejected(problems)
    return list(specs.values())


def period_code_problems(codes: Iterable[str], year: int) -> list[Problem]:
    """Why apply_scheme would refuse to open these periods in a scheme of ``year``; empty when it would not."""
    try:
        _periods_to_open(codes, year)
    except SchemeRejected as rejected:
        return rejected.problems
    return []


# --- Making a scheme match the draft ----------------------------------------------------------


def _check_scheme_identity(name: str, year: int) -> None:
    problems = []
    if not name or len(name) > max_length(Scheme, "name"):
        problems.append(Problem(_("方案名称不能为空，且最多%(max)d个字") % {"max": max_length(Scheme, "name")},
                                value=name))
    if not 1900 <= year <= 2999:
        problems.append(Problem(_("方案年度应为四位年份"), value=str(year)))
    if problems:
        raise SchemeRejected(problems)


def _sync(kind: str, result: SchemeApplyResult, existing: dict, desired: dict[object, dict],
          build: Callable[[object, dict], models.Model]) -> dict:
    """Create what is missing and update what differs, field by field; return the objects by key."""
    kept = {}
    for key, fields in desired.items():
        obj = existing.get(key)
        if obj is None:
            obj = build(key, dict(fields))
            obj.save()
            result.created[kind] += 1
        else:
            changed = [name for name, value in fields.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, fields[name])
                obj.save(update_fields=changed)
                result.updated[kind] += 1
        kept[key] = obj
    return kept


def _remove(kind: str, result: SchemeApplyResult, queryset: models.QuerySet) -> None:
    _total, per_model = queryset.delete()
    removed = per_model.get(queryset.model._meta.label, 0)  # cascaded rows are not this kind's
    if removed:
        result.removed[kind] += removed


def _refuse_destroying_data(scheme: Scheme, draft: SchemeDraft) -> None:
    """Removing an indicator or a component would delete the data departments submitted for it."""
    problems = []
    indicators = scheme.indicators.exclude(code__in=[item.code for item in draft.indicators])
    # Through the scheme's periods: the statistics table is indexed by period, not by indicator alone.
    with_data = Statistic.objects.filter(period__scheme=scheme).values("indicator_id")
    for indicator in indicators.filter(pk__in=with_data):
        problems.append(Problem(
            _("方案中的指标“%(indicator)s”已有统计数据，不能通过方案工作簿删除；请在“指标”表中保留该指标") % {
                "indicator": indicator}, sheet=INDICATOR_SHEET[0]))
    components = scheme.components.exclude(name__in=[item.name for item in draft.components])
    for component in components.filter(pk__in=ComponentScore.objects.values("component_id")):
        problems.append(Problem(
            _("方案中的板块“%(component)s”已有得分，不能通过方案工作簿删除；请在“板块”表中保留该板块") % {
                "component": component.name}, sheet=COMPONENT_SHEET[0]))
    if problems:
        raise SchemeRejected(problems)


def _refuse_changing_closed_periods(periods: list[Period], result: SchemeApplyResult) -> None:
    closed = [period for period in periods if period.state != PeriodState.OPEN]
    if closed and result.scheme_changes:
        raise SchemeRejected([Problem(_(
            "方案已有已锁定或已发布的周期（%(periods)s），修改方案会改变这些周期的结果，因此未作任何修改；"
            "如确需调整，请先解锁这些周期"
        ) % {"periods": "、".join(f"{period.code} {period.get_state_display()}" for period in closed)})])


def _sync_components(scheme: Scheme, draft: SchemeDraft, result: SchemeApplyResult) -> None:
    # Removals first, and the performance component saved last: the database allows one
    # performance component per scheme at every moment, not just at the end.
    _remove("components", result, scheme.components.exclude(name__in=[item.name for item in draft.components]))
    desired = {item.name: {"weight": item.weight, "is_performance": item.is_performance, "sort_order": order}
               for order, item in enumerate(draft.components, start=1)}
    desired = dict(sorted(desired.items(), key=lambda entry: entry[1]["is_performance"]))
    _sync("components", result, {component.name: component for component in scheme.components.all()}, desired,
          lambda name, fields: Component(scheme=scheme, name=name, **fields))


def _sync_tracks(scheme: Scheme, draft: SchemeDraft, result: SchemeApplyResult) -> dict[str, Track]:
    desired = {item.code: {"name": item.name, "sort_order": order} for order, item in enumerate(draft.tracks, 1)}
    return _sync("tracks", result, {track.code: track for track in scheme.tracks.all()}, desired,
                 lambda code, fields: Track(scheme=scheme, code=code, **fields))


def inferred_unit_kind(track_name: str) -> str:
    """The kind of a unit the registry does not know yet, from its track's name (乡镇 / 街道 / 部门)."""
    if "镇" in track_name or "乡" in track_name:
        return UnitKind.TOWNSHIP
    if "街道" in track_name:
        return UnitKind.STREET
    return UnitKind.DEPARTMENT


def _sync_units(draft: SchemeDraft, result: SchemeApplyResult) -> dict[str, Unit]:
    """The registry's units named by the workbook; existing ones change only where a cell is filled."""
    track_names = {track.code: track.name for track in draft.tracks}
    kinds = {unit.code: unit.kind or inferred_unit_kind(track_names[unit.track]) for unit in draft.units}
    desired = {}
    for unit in draft.units:
        fields = {"name": unit.name, **{name: value for name, value in unit.bases.items() if value is not None}}
        if unit.kind:
            fields["kind"] = unit.kind
        desired[unit.code] = fields
    codes = set(desired) | {indicator.provider for indicator in draft.indicators}
    existing = Unit.objects.in_bulk(list(codes), field_name="code")
    synced = _sync("units", result, existing, desired,
                   lambda code, fields: Unit(code=code, **{"kind": kinds[code], **fields}))
    return {**existing, **synced}


def _sync_memberships(scheme: Scheme, draft: SchemeDraft, tracks: dict[str, Track], units: dict[str, Unit],
                      result: SchemeApplyResult) -> None:
    desired = {units[unit.code].pk: {"track_id": tracks[unit.track].pk} for unit in draft.units}
    _remove("memberships", result, scheme.memberships.exclude(unit_id__in=list(desired)))
    _sync("memberships", result, {membership.unit_id: membership for membership in scheme.memberships.all()},
          desired, lambda unit_id, fields: TrackMembership(scheme=scheme, unit_id=unit_id, **fields))


def _sync_dimensions(scheme: Scheme, draft: SchemeDraft, result: SchemeApplyResult) -> dict[str, Dimension]:
    names = dict.fromkeys(indicator.dimension for indicator in draft.indicators)  # first-seen order
    desired = {name: {"sort_order": order} for order, name in enumerate(names, start=1)}
    return _sync("dimensions", result, {dimension.name: dimension for dimension in scheme.dimensions.all()},
                 desired, lambda name, fields: Dimension(scheme=scheme, name=name, **fields))


def _sync_indicators(scheme: Scheme, draft: SchemeDraft, dimensions: dict[str, Dimension], units: dict[str, Unit],
                     result: SchemeApplyResult) -> dict[str, Indicator]:
    desired = {
        item.code: {
            "name": item.name, "dimension_id": dimensions[item.dimension].pk, "measure": item.measure,
            "direction": item.direction, "method": item.method, "target": item.target,
            "provider_id": units[item.provider].pk, "per_capita_base": item.per_capita_base, "sort_order": order,
        }
        for order, item in enumerate(draft.indicators, start=1)
    }
    return _sync("indicators", result, {indicator.code: indicator for indicator in scheme.indicators.all()},
                 desired, lambda code, fields: Indicator(scheme=scheme, code=code, **fields))


def _sync_weights(scheme: Scheme, draft: SchemeDraft, indicators: dict[str, Indicator], tracks: dict[str, Track],
                  result: SchemeApplyResult) -> None:
    desired = {(indicators[item.code].pk, tracks[code].pk): {"weight": weight}
               for item in draft.indicators for code, weight in item.weights.items()}
    existing = {(weight.indicator_id, weight.track_id): weight
                for weight in Weight.objects.filter(indicator__scheme=scheme)}
    stale = [weight.pk for key, weight in existing.items() if key not in desired]
    _remove("weights", result, Weight.objects.filter(pk__in=stale))
    _sync("weights", result, existing, desired,
          lambda key, fields: Weight(indicator_id=key[0], track_id=key[1], **fields))


def _remove_what_the_workbook_dropped(scheme: Scheme, draft: SchemeDraft, result: SchemeApplyResult) -> None:
    _remove("indicators", result, scheme.indicators.exclude(code__in=[item.code for item in draft.indicators]))
    _remove("tracks", result, scheme.tracks.exclude(code__in=[item.code for item in draft.tracks]))
    # A dimension made in admin as the parent of others is kept: the workbook lists leaves only.
    used = {item.dimension for item in draft.indicators}
    _remove("dimensions", result, scheme.dimensions.exclude(name__in=used).filter(
        indicators__isnull=True, children__isnull=True))


def _open_periods(scheme: Scheme, specs: list[PeriodSpec], result: SchemeApplyResult) -> None:
    existing = set(scheme.periods.values_list("code", flat=True))
    for spec in specs:
        if spec.code in existing:
            continue  # an existing period keeps its state: loading a scheme never reopens a locked one
        Period.objects.create(scheme=scheme, code=spec.code, period_type=spec.period_type,
                              start_date=spec.start_date, end_date=spec.end_date, state=PeriodState.OPEN)
        result.created["periods"] += 1
        result.periods_created.append(spec.code)


def apply_scheme(draft: SchemeDraft, *, name: str, year: int, period_codes: Sequence[str] = (),
                 user=None) -> SchemeApplyResult:
    """Make the scheme ``name`` of ``year`` match the draft, in one transaction; raises SchemeRejected.

    The workbook is the whole scheme: components, tracks, memberships, indicators and weights it no
    longer lists are removed (indicators with statistics and components with scores are refused).
    Units are the registry's and are never removed.
    """
    name = name.strip()
    _check_scheme_identity(name, year)
    specs = _periods_to_open(period_codes, year)
    with transaction.atomic():
        scheme, created = Scheme.objects.get_or_create(name=name, year=year)
        result = SchemeApplyResult(scheme=scheme, scheme_created=created)
        _refuse_destroying_data(scheme, draft)
        earlier_periods = list(scheme.periods.all())
        _sync_components(scheme, draft, result)
        tracks = _sync_tracks(scheme, draft, result)
        units = _sync_units(draft, result)
        _sync_memberships(scheme, draft, tracks, units, result)
        dimensions = _sync_dimensions(scheme, draft, result)
        indicators = _sync_indicators(scheme, draft, dimensions, units, result)
        _sync_weights(scheme, draft, indicators, tracks, result)
        _remove_what_the_workbook_dropped(scheme, draft, result)
        _refuse_changing_closed_periods(earlier_periods, result)  # raising here undoes all of the above
        _open_periods(scheme, specs, result)
        if result.scheme_changes:
            for period in earlier_periods:
                request_recompute(period)
                result.recompute_requested.append(period.code)
        record_event("assessment.scheme.loaded", user=user, obj=scheme, filename=draft.filename,
                     sha256=draft.sha256, periods_created=result.periods_created,
                     recompute_requested=result.recompute_requested, **result.counts())
    return result


def preview_scheme(draft: SchemeDraft, *, name: str, year: int, period_codes: Sequence[str] = ()) -> SchemeApplyResult:
    """What ``apply_scheme`` would change, with nothing stored; raises SchemeRejected like it.

    The draft is applied for real inside a transaction that is then rolled back, so the preview
    counts exactly what the load will count. Everything apply_scheme does besides writing rows
    (the audit event, the recompute enqueued on commit) is undone or never run with it.
    """
    with transaction.atomic():
        result = apply_scheme(draft, name=name, year=year, period_codes=period_codes)
        transaction.set_rollback(True)
    return result
