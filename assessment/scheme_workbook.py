"""The scheme workbook (方案, SPEC §9): read and check it, apply it to a scheme, write it back.

``read_scheme_workbook`` checks every cell of the four sheets (板块, 赛道, 单位, 指标) and turns a
correct workbook into a ``SchemeDraft``; ``apply_scheme`` makes one scheme match the draft in one
transaction, touching only what differs, so loading the same workbook twice changes nothing the
second time; ``scheme_workbook_bytes`` writes a scheme back in the same format, so an officer can
download it, edit it and load it again.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook as XlsxWorkbook

from accounts.audit import record_event
from assessment.models import (
    Component,
    ComponentScore,
    Period,
    PeriodState,
    PeriodType,
    Scheme,
    Track,
    TrackMembership,
)
from assessment.recompute import request_recompute
from assessment.workbooks import (
    CellError,
    ColumnSpec,
    Problem,
    Severity,
    SheetRow,
    SheetTable,
    Workbook,
    WorkbookRejected,
    cell_number,
    cell_text,
    open_workbook,
    read_table,
)
from cadres.models import Unit, UnitKind
from indicators.models import Dimension, Direction, Indicator, Method, Statistic, Weight

# --- The workbook's vocabulary ----------------------------------------------------------------

# These words are the contract with the departments (SPEC §9), so they are fixed Chinese and
# never translated: a workbook written under another UI language must still read back.
PERFORMANCE_COMPONENT = "绩效考核"
DIRECTION_WORDS = {"正向": Direction.HIGHER, "逆向": Direction.LOWER}
METHOD_WORDS = {"功效系数": Method.EFFICACY, "目标完成率": Method.TARGET, "排名": Method.RANK,
                "达标": Method.THRESHOLD, "直接赋分": Method.DIRECT}
BASE_ATTRIBUTE_WORDS = {"人口": "population", "面积": "area_km2", "地区生产总值": "gdp", "财政收入": "fiscal_revenue"}
UNIT_KIND_WORDS = {"乡镇": UnitKind.TOWNSHIP, "街道": UnitKind.STREET, "区直部门": UnitKind.DEPARTMENT,
                   "国有企业": UnitKind.STATE_ENTERPRISE, "高校": UnitKind.UNIVERSITY,
                   "开发区": UnitKind.DEVELOPMENT_ZONE, "县市区": UnitKind.COUNTY}

COMPONENT_SHEET = ("板块", "components")
TRACK_SHEET = ("赛道", "tracks")
UNIT_SHEET = ("单位", "units")
INDICATOR_SHEET = ("指标", "indicators")

COMPONENT_COLUMNS = (ColumnSpec("name", "名称"), ColumnSpec("weight", "权重"))
TRACK_COLUMNS = (ColumnSpec("code", "代码"), ColumnSpec("name", "名称"))
UNIT_COLUMNS = (
    ColumnSpec("code", "代码"),
    ColumnSpec("name", "名称"),
    ColumnSpec("track", "赛道"),
    # The registry's own labels carry the unit of measure; accept them as they are typed too.
    ColumnSpec("population", "人口", ("人口（万人）", "人口(万人)"), required=False),
    ColumnSpec("area_km2", "面积", ("面积（平方公里）", "面积(平方公里)"), required=False),
    ColumnSpec("gdp", "地区生产总值", ("地区生产总值（亿元）", "地区生产总值(亿元)"), required=False),
    ColumnSpec("fiscal_revenue", "财政收入", ("财政收入（亿元）", "财政收入(亿元)"), required=False),
    ColumnSpec("kind", "类型", ("type",), required=False),
)
INDICATOR_COLUMNS = (
    ColumnSpec("code", "代码"),
    ColumnSpec("name", "名称"),
    ColumnSpec("dimension", "维度"),
    ColumnSpec("measure", "计量单位", required=False),
    ColumnSpec("direction", "方向"),
    ColumnSpec("method", "评分方法"),
    ColumnSpec("target", "目标值", required=False),
    ColumnSpec("provider", "数据来源"),
    ColumnSpec("per_capita_base", "人均基数", required=False),
)
BASE_ATTRIBUTE_KEYS = tuple(BASE_ATTRIBUTE_WORDS.values())
_TRACK_KEY = "track:"  # the key of a track's weight column in the 指标 sheet


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


# --- The draft --------------------------------------------------------------------------------


@dataclass
class ComponentDraft:
    name: str
    weight: Decimal
    is_performance: bool


@dataclass
class TrackDraft:
    code: str
    name: str


@dataclass
class UnitDraft:
    code: str
    name: str
    kind: str | None  # None: not given (an existing unit keeps its kind, a new one gets one from its track)
    track: str
    bases: dict[str, Decimal | None] = field(default_factory=dict)  # population, area_km2, gdp, fiscal_revenue


@dataclass
class IndicatorDraft:
    code: str
    name: str
    dimension: str
    measure: str
    direction: str
    method: str
    target: Decimal | None
    provider: str  # a unit code
    per_capita_base: str  # a Unit attribute name, or ''
    weights: dict[str, Decimal] = field(default_factory=dict)  # track code → points; a blank cell is absent


@dataclass
class SchemeDraft:
    components: list[ComponentDraft]
    tracks: list[TrackDraft]
    units: list[UnitDraft]
    indicators: list[IndicatorDraft]
    filename: str = ""
    sha256: str = ""


# --- Reading one sheet's cells ----------------------------------------------------------------


class _Sheet:
    """One sheet's rows and the problem list that every check adds to."""

    def __init__(self, table: SheetTable, problems: list[Problem]):
        self.table = table
        self.problems = problems
        self.bad_columns: set[str] = set()  # columns with an unreadable number: their sums mean nothing

    @property
    def rows(self) -> list[SheetRow]:
        return self.table.rows

    def header(self, key: str) -> str:
        return self.table.columns.get(key, (key, ""))[0]

    def error(self, row: SheetRow | None, key: str, message: str, value: object = "") -> None:
        self.problems.append(self.table.problem(row, key, message, value))

    def warn(self, row: SheetRow | None, key: str, message: str, value: object = "") -> None:
        self.problems.append(self.table.problem(row, key, message, value, Severity.WARNING))

    def text(self, row: SheetRow, key: str, *, max_length: int, required: bool = True) -> str:
        value = cell_text(row.values.get(key))
        if not value:
            if required:
                self.error(row, key, _("%(column)s不能为空") % {"column": self.header(key)})
            return ""
        if len(value) > max_length:
            self.error(row, key, _("%(column)s过长（最多%(max)d个字）") % {"column": self.header(key), "max": max_length},
                       value)
            return ""
        return value

    def code(self, row: SheetRow, key: str, *, max_length: int) -> str:
        value = self.text(row, key, max_length=max_length)
        if value and any(ch.isspace() for ch in value):
            self.error(row, key, _("代码不能包含空格"), value)
            return ""
        return value

    def number(self, row: SheetRow, key: str, *, model_field: models.DecimalField, what: str = "",
               required: bool = False, negative: bool = False) -> Decimal | None:
        """The cell as a Decimal that fits ``model_field``; None when blank or wrong (wrong adds an error)."""
        what = what or self.header(key)
        raw = row.values.get(key)
        if raw is None:
            if required:
                self.error(row, key, _("%(what)s不能为空") % {"what": what})
                self.bad_columns.add(key)
            return None
        try:
            value = cell_number(raw)
        except CellError as exc:
            message = f"{what}{exc}"
        else:
            message = "" if negative or value >= 0 else _("%(what)s不能为负数") % {"what": what}
            message = message or _out_of_range(value, model_field, what)
            if not message:
                return value
        self.error(row, key, message, raw)
        self.bad_columns.add(key)
        return None

    def unique(self, row: SheetRow, key: str, value: str, seen: dict[str, int]) -> bool:
        first = seen.setdefault(value, row.number)
        if first != row.number:
            self.error(row, key, _("与第%(row)d行重复") % {"row": first}, value)
            return False
        return True


def _out_of_range(value: Decimal, model_field: models.DecimalField, what: str) -> str:
    """Why ``value`` would not be stored exactly in ``model_field`` (the database would round it)."""
    places = max(0, -value.normalize().as_tuple().exponent)
    if places > model_field.decimal_places:
        return _("%(what)s最多保留%(places)d位小数") % {"what": what, "places": model_field.decimal_places}
    if abs(value) >= Decimal(10) ** (model_field.max_digits - model_field.decimal_places):
        return _("%(what)s数值过大") % {"what": what}
    return ""


def _word(text: str, words: dict[str, str], values: Iterable[str]) -> str | None:
    """A Chinese word of the workbook, or the English value, mapped to the stored value."""
    text = text.strip()
    if text in words:
        return words[text]
    if text.endswith("法") and text[:-1] in words:  # SPEC §4 writes the methods as 功效系数法 etc.
        return words[text[:-1]]
    lowered = text.lower()
    return lowered if lowered in set(values) else None


def plain_number(value: Decimal) -> str:
    """95.00 → '95', 99.50 → '99.5': how an officer would write the number."""
    return format(value.normalize(), "f")


# --- Reading the sheets -----------------------------------------------------------------------


def _open_sheet(workbook: Workbook, names: Sequence[str], columns: Sequence[ColumnSpec], problems: list[Problem],
                *, extra_columns: bool = False) -> _Sheet | None:
    # A missing sheet is reported here rather than by read_table, which would fall back to the
    # first sheet of a one-sheet file and read, say, the components as units.
    if workbook.sheet(names) is None:
        problems.append(Problem(_("缺少工作表“%(sheet)s”（文件中的工作表：%(names)s）") % {
            "sheet": names[0], "names": "、".join(workbook.sheets)}))
        return None
    try:
        table = read_table(workbook, columns, sheet_names=names, allow_extra_columns=extra_columns)
    except WorkbookRejected as rejected:
        problems.extend(rejected.problems)
        return None
    problems.extend(table.layout_warnings)
    return _Sheet(table, problems)


def _read_components(sheet: _Sheet) -> list[ComponentDraft]:
    drafts: list[ComponentDraft] = []
    seen: dict[str, int] = {}
    weight_field = Component._meta.get_field("weight")
    for row in sheet.rows:
        name = sheet.text(row, "name", max_length=_max_length(Component, "name"))
        weight = sheet.number(row, "weight", model_field=weight_field, required=True)
        if name and sheet.unique(row, "name", name, seen) and weight is not None:
            drafts.append(ComponentDraft(name=name, weight=weight, is_performance=name == PERFORMANCE_COMPONENT))
    if "weight" not in sheet.bad_columns and sheet.rows:
        total = sum((draft.weight for draft in drafts), Decimal(0))
        if total != 100:
            sheet.error(None, "weight", _("板块权重合计为%(sum)s，应为100") % {"sum": plain_number(total)})
    if not any(draft.is_performance for draft in drafts) and "name" in sheet.table.columns:
        sheet.error(None, "name", _("缺少绩效板块：应有一个名称为“%(name)s”的板块，其得分由指标计算") % {
            "name": PERFORMANCE_COMPONENT})
    return drafts


def _read_tracks(sheet: _Sheet) -> list[TrackDraft]:
    drafts: list[TrackDraft] = []
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    for row in sheet.rows:
        code = sheet.code(row, "code", max_length=_max_length(Track, "code"))
        name = sheet.text(row, "name", max_length=_max_length(Track, "name"))
        code_ok = bool(code) and sheet.unique(row, "code", code, codes)
        name_ok = bool(name) and sheet.unique(row, "name", name, names)
        if code_ok and name_ok:
            drafts.append(TrackDraft(code=code, name=name))
    return drafts


def _read_unit(sheet: _Sheet, row: SheetRow, track_codes: set[str] | None) -> UnitDraft | None:
    before = len(sheet.problems)
    code = sheet.code(row, "code", max_length=_max_length(Unit, "code"))
    name = sheet.text(row, "name", max_length=_max_length(Unit, "name"))
    track = sheet.text(row, "track", max_length=_max_length(Track, "code"))
    if track and track_codes is not None and track not in track_codes:
        sheet.error(row, "track", _("赛道代码不存在，应为“赛道”表中的代码（%(codes)s）") % {
            "codes": "、".join(sorted(track_codes))}, track)
    kind = None
    if row.values.get("kind") is not None:
        kind = _word(cell_text(row.values["kind"]), UNIT_KIND_WORDS, UnitKind.values)
        if kind is None:
            sheet.error(row, "kind", _("单位类型应为%(choices)s之一") % {"choices": "、".join(UNIT_KIND_WORDS)},
                        row.values["kind"])
    bases = {attribute: sheet.number(row, attribute, model_field=Unit._meta.get_field(attribute))
             for attribute in BASE_ATTRIBUTE_KEYS}
    if any(problem.is_error for problem in sheet.problems[before:]):
        return None
    return UnitDraft(code=code, name=name, kind=kind, track=track, bases=bases)


def _read_units(sheet: _Sheet, track_codes: set[str] | None, registry: dict[str, Unit]) -> list[UnitDraft]:
    drafts: list[UnitDraft] = []
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    for row in sheet.rows:
        draft = _read_unit(sheet, row, track_codes)
        if draft is None:
            continue
        code_ok = sheet.unique(row, "code", draft.code, codes)
        name_ok = sheet.unique(row, "name", draft.name, names)  # checked even after a repeated code
        if not (code_ok and name_ok):
            continue
        known = registry.get(draft.code)
        if known is not None and known.name != draft.name:
            sheet.warn(row, "name", _("单位名录中该单位的名称是“%(old)s”，载入后将改为“%(new)s”") % {
                "old": known.name, "new": draft.name}, draft.name)
        drafts.append(draft)
    return drafts


def _track_columns(track_codes: Iterable[str]) -> tuple[ColumnSpec, ...]:
    # One optional column per track, headed by the track's code, holding the track's weights.
    return tuple(ColumnSpec(f"{_TRACK_KEY}{code}", code, required=False) for code in track_codes)


def _check_track_headers(sheet: _Sheet, track_codes: list[str]) -> None:
    header_row = sheet.table.header_row
    for text, letter in sheet.table.extra_headers:
        sheet.problems.append(Problem(
            _("该列既不是指标表的固定列，也不是“赛道”表中的赛道代码（%(codes)s）") % {"codes": "、".join(track_codes)},
            sheet=sheet.table.sheet, row=header_row, column=text, column_letter=letter))
    for code in track_codes:
        if f"{_TRACK_KEY}{code}" not in sheet.table.columns:
            sheet.problems.append(Problem(_("缺少赛道“%(track)s”的分值列：表头中应有一列名为“%(track)s”") % {
                "track": code}, sheet=sheet.table.sheet, row=header_row))


def _read_weights(sheet: _Sheet, row: SheetRow, track_codes: list[str]) -> dict[str, Decimal]:
    weight_field = Weight._meta.get_field("weight")
    weights = {}
    for code in track_codes:
        what = _("赛道“%(track)s”的分值") % {"track": code}
        weight = sheet.number(row, f"{_TRACK_KEY}{code}", model_field=weight_field, what=what)
        if weight is not None:
            weights[code] = weight
    return weights


def _read_indicator(sheet: _Sheet, row: SheetRow, track_codes: list[str], unit_codes: set[str]) -> IndicatorDraft | None:
    before = len(sheet.problems)
    code = sheet.code(row, "code", max_length=_max_length(Indicator, "code"))
    name = sheet.text(row, "name", max_length=_max_length(Indicator, "name"))
    dimension = sheet.text(row, "dimension", max_length=_max_length(Dimension, "name"))
    measure = sheet.text(row, "measure", max_length=_max_length(Indicator, "measure"), required=False)
    direction = _read_choice(sheet, row, "direction", DIRECTION_WORDS, Direction.values, _("方向应为正向或逆向"))
    # SPEC §4: the efficacy coefficient method is the default, so a blank method means it.
    method = _read_choice(sheet, row, "method", METHOD_WORDS, Method.values,
                          _("评分方法应为%(choices)s之一") % {"choices": "、".join(METHOD_WORDS)}, default=Method.EFFICACY)
    target = sheet.number(row, "target", model_field=Indicator._meta.get_field("target"), negative=True)
    if target is not None or row.values.get("target") is None:  # an unreadable target was reported already
        _check_target(sheet, row, method, direction, target)
    provider = sheet.text(row, "provider", max_length=_max_length(Unit, "code"))
    if provider and provider not in unit_codes:
        sheet.error(row, "provider", _("数据来源单位代码不存在：应为单位名录或“单位”表中的单位代码"), provider)
    per_capita_base = ""
    if row.values.get("per_capita_base") is not None:
        per_capita_base = _word(cell_text(row.values["per_capita_base"]), BASE_ATTRIBUTE_WORDS, BASE_ATTRIBUTE_KEYS)
        if per_capita_base is None:
            sheet.error(row, "per_capita_base", _("人均基数应为空，或为%(choices)s之一") % {
                "choices": "、".join(BASE_ATTRIBUTE_WORDS)}, row.values["per_capita_base"])
    weights = _read_weights(sheet, row, track_codes)
    if any(problem.is_error for problem in sheet.problems[before:]):
        return None
    if track_codes and not any(weights.values()):
        sheet.warn(row, "code", _("该指标在所有赛道的分值都为空或0，不参与计分"), code)
    return IndicatorDraft(code=code, name=name, dimension=dimension, measure=measure, direction=direction,
                          method=method, target=target, provider=provider, per_capita_base=per_capita_base,
                          weights=weights)


def _read_choice(sheet: _Sheet, row: SheetRow, key: str, words: dict[str, str], values: Iterable[str],
                 message: str, *, default: str = "") -> str:
    raw = row.values.get(key)
    if raw is None:
        if not default:
            sheet.error(row, key, message)
        return default
    choice = _word(cell_text(raw), words, values)
    if choice is None:
        sheet.error(row, key, message, raw)
        return ""
    return choice


def _check_target(sheet: _Sheet, row: SheetRow, method: str, direction: str, target: Decimal | None) -> None:
    if method not in (Method.TARGET, Method.THRESHOLD):
        return
    label = next(word for word, value in METHOD_WORDS.items() if value == method)
    if target is None:
        sheet.error(row, "target", _("评分方法为%(method)s的指标必须填写目标值") % {"method": label})
    elif target == 0 and method == Method.TARGET and direction == Direction.HIGHER:
        # r = v / t has no meaning for t = 0 (SPEC §4: refused when the scheme is loaded).
        sheet.error(row, "target", _("正向的目标完成率指标目标值不能为0"), target)


def _read_indicators(sheet: _Sheet, track_codes: list[str], unit_codes: set[str]) -> list[IndicatorDraft]:
    drafts: list[IndicatorDraft] = []
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    for row in sheet.rows:
        draft = _read_indicator(sheet, row, track_codes, unit_codes)
        if draft is None:
            continue
        code_ok = sheet.unique(row, "code", draft.code, codes)
        name_ok = sheet.unique(row, "name", draft.name, names)  # checked even after a repeated code
        if code_ok and name_ok:
            drafts.append(draft)
    return drafts


def _check_track_sums(sheet: _Sheet, track_codes: list[str]) -> None:
    """SPEC §3: a track's indicator weights sum to exactly 100 (in decimal arithmetic)."""
    for code in track_codes:
        key = f"{_TRACK_KEY}{code}"
        if key not in sheet.table.columns or key in sheet.bad_columns:
            continue  # missing or unreadable cells were reported; a sum of the rest would mislead
        total = Decimal(0)
        for row in sheet.rows:
            value = row.values.get(key)
            total += cell_number(value) if value is not None else 0
        if total != 100:
            sheet.error(None, key, _("赛道“%(track)s”的指标分值合计为%(sum)s，应为100") % {
                "track": code, "sum": plain_number(total)})


def _check_per_capita_bases(sheet: _Sheet, indicators: list[IndicatorDraft], units: list[UnitDraft],
                            registry: dict[str, Unit]) -> None:
    """SPEC §4: a unit whose base attribute is missing or zero cannot be scored per capita."""
    rows = {cell_text(row.values.get("code")): row for row in sheet.rows}
    units_of: dict[str, list[UnitDraft]] = defaultdict(list)
    for unit in units:
        units_of[unit.track].append(unit)
    for indicator in indicators:
        attribute = indicator.per_capita_base
        if not attribute:
            continue
        word = next(word for word, value in BASE_ATTRIBUTE_WORDS.items() if value == attribute)
        for track, weight in indicator.weights.items():
            if weight <= 0:
                continue  # not scored in this track (the engine scores only weights above 0)
            lacking = [unit for unit in units_of[track] if not _base_value(unit, attribute, registry)]
            if lacking:
                sheet.error(rows.get(indicator.code), "per_capita_base", _(
                    "人均基数为%(base)s，但赛道“%(track)s”中的单位%(units)s没有%(base)s数据或为0，无法计算人均值"
                ) % {"base": word, "track": track, "units": "、".join(f"{unit.code} {unit.name}" for unit in lacking)},
                    word)


def _base_value(unit: UnitDraft, attribute: str, registry: dict[str, Unit]) -> Decimal | None:
    # A blank cell keeps the registry's value (apply_scheme updates only what the workbook gives).
    given = unit.bases.get(attribute)
    if given is not None:
        return given
    known = registry.get(unit.code)
    return getattr(known, attribute) if known is not None else None


def _warn_about_empty_tracks(sheet: _Sheet, units: list[UnitDraft]) -> None:
    with_units = {unit.track for unit in units}
    for row in sheet.rows:
        code = cell_text(row.values.get("code"))
        if code and code not in with_units:
            sheet.warn(row, "code", _("赛道“%(track)s”没有任何单位（“单位”表中没有属于该赛道的单位）") % {"track": code},
                       code)


def read_scheme_workbook(data: bytes, filename: str) -> tuple[SchemeDraft | None, list[Problem]]:
    """Check every cell of a scheme workbook; the draft is None when there is any error."""
    try:
        workbook = open_workbook(data, filename)
    except WorkbookRejected as rejected:
        return None, rejected.problems
    problems: list[Problem] = []
    component_sheet = _open_sheet(workbook, COMPONENT_SHEET, COMPONENT_COLUMNS, problems)
    components = _read_components(component_sheet) if component_sheet else []
    track_sheet = _open_sheet(workbook, TRACK_SHEET, TRACK_COLUMNS, problems)
    tracks = _read_tracks(track_sheet) if track_sheet else []
    # Without a readable 赛道 sheet, "unknown track" would be said of every unit: say it once.
    track_codes = [track.code for track in tracks] if track_sheet else None

    registry = {unit.code: unit for unit in Unit.objects.all()}
    unit_sheet = _open_sheet(workbook, UNIT_SHEET, UNIT_COLUMNS, problems)
    units = _read_units(unit_sheet, set(track_codes) if track_codes is not None else None, registry) \
        if unit_sheet else []

    indicators: list[IndicatorDraft] = []
    indicator_sheet = _open_sheet(workbook, INDICATOR_SHEET, INDICATOR_COLUMNS + _track_columns(track_codes or ()),
                                  problems, extra_columns=True)
    if indicator_sheet:
        unit_codes = set(registry) | {unit.code for unit in units}
        if track_codes is not None:
            _check_track_headers(indicator_sheet, track_codes)
        indicators = _read_indicators(indicator_sheet, track_codes or [], unit_codes)
        _check_track_sums(indicator_sheet, track_codes or [])
        if unit_sheet:
            _check_per_capita_bases(indicator_sheet, indicators, units, registry)
    if track_sheet and unit_sheet:
        _warn_about_empty_tracks(track_sheet, units)

    if any(problem.is_error for problem in problems):
        return None, problems
    draft = SchemeDraft(components=components, tracks=tracks, units=units, indicators=indicators,
                        filename=filename, sha256=hashlib.sha256(data).hexdigest())
    return draft, problems


# --- Applying a draft to a scheme -------------------------------------------------------------


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


def _check_scheme_identity(name: str, year: int) -> None:
    problems = []
    if not name or len(name) > _max_length(Scheme, "name"):
        problems.append(Problem(_("方案名称不能为空，且最多%(max)d个字") % {"max": _max_length(Scheme, "name")},
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
    for indicator in indicators.filter(pk__in=Statistic.objects.values("indicator_id")):
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


# --- Writing a scheme back --------------------------------------------------------------------


def _cell_number(value: Decimal | None) -> int | float | None:
    # Numbers are written as numbers so that Excel sums them; 20.00 shows as 20.
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _reverse(words: dict[str, str]) -> dict[str, str]:
    return {value: word for word, value in words.items()}


def _component_rows(scheme: Scheme) -> list[list[object]]:
    rows = [[spec.header for spec in COMPONENT_COLUMNS]]
    for component in scheme.components.order_by("sort_order", "pk"):
        rows.append([component.name, _cell_number(component.weight)])
    return rows


def _track_rows(tracks: list[Track]) -> list[list[object]]:
    return [[spec.header for spec in TRACK_COLUMNS], *([track.code, track.name] for track in tracks)]


def _unit_rows(scheme: Scheme) -> list[list[object]]:
    kind_words = _reverse(UNIT_KIND_WORDS)
    rows = [[spec.header for spec in UNIT_COLUMNS]]
    memberships = scheme.memberships.select_related("unit", "track").order_by(
        "track__sort_order", "track__code", "unit__sort_order", "unit__code")
    for membership in memberships:
        unit = membership.unit
        bases = [_cell_number(getattr(unit, attribute)) for attribute in BASE_ATTRIBUTE_KEYS]
        rows.append([unit.code, unit.name, membership.track.code, *bases, kind_words.get(unit.kind)])
    return rows


def _indicator_rows(scheme: Scheme, tracks: list[Track]) -> list[list[object]]:
    directions, methods, bases = _reverse(DIRECTION_WORDS), _reverse(METHOD_WORDS), _reverse(BASE_ATTRIBUTE_WORDS)
    weights = {(weight.indicator_id, weight.track_id): weight.weight
               for weight in Weight.objects.filter(indicator__scheme=scheme)}
    rows = [[spec.header for spec in INDICATOR_COLUMNS] + [track.code for track in tracks]]
    indicators = scheme.indicators.select_related("dimension", "provider").order_by("sort_order", "code")
    for indicator in indicators:
        rows.append([
            indicator.code, indicator.name, indicator.dimension.name, indicator.measure or None,
            directions.get(indicator.direction), methods.get(indicator.method), _cell_number(indicator.target),
            indicator.provider.code, bases.get(indicator.per_capita_base),
            *(_cell_number(weights.get((indicator.pk, track.pk))) for track in tracks),
        ])
    return rows


def scheme_workbook_bytes(scheme: Scheme) -> bytes:
    """The scheme as a workbook in the format read_scheme_workbook reads (header in the first row)."""
    tracks = list(scheme.tracks.order_by("sort_order", "code"))
    sheets = {
        COMPONENT_SHEET[0]: _component_rows(scheme),
        TRACK_SHEET[0]: _track_rows(tracks),
        UNIT_SHEET[0]: _unit_rows(scheme),
        INDICATOR_SHEET[0]: _indicator_rows(scheme, tracks),
    }
    book = XlsxWorkbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        worksheet = book.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
