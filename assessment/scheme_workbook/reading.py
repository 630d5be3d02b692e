"""Reading a scheme workbook: every cell of the four sheets checked, a correct one turned into a SchemeDraft.

``read_scheme_workbook`` reports every problem with its sheet, row, column and the value it read; the
draft it returns is what ``apply_scheme`` makes a scheme match.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _

from assessment.models import Component, Dimension, Direction, Indicator, Method, Track, Weight
from assessment.scheme_workbook.vocabulary import (
    BASE_ATTRIBUTE_KEYS,
    BASE_ATTRIBUTE_WORDS,
    COMPONENT_COLUMNS,
    COMPONENT_SHEET,
    DIRECTION_WORDS,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    METHOD_WORDS,
    PERFORMANCE_COMPONENT,
    TRACK_COLUMNS,
    TRACK_KEY,
    TRACK_SHEET,
    UNIT_COLUMNS,
    UNIT_KIND_WORDS,
    UNIT_SHEET,
    max_length,
)
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
        name = sheet.text(row, "name", max_length=max_length(Component, "name"))
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
        code = sheet.code(row, "code", max_length=max_length(Track, "code"))
        name = sheet.text(row, "name", max_length=max_length(Track, "name"))
        code_ok = bool(code) and sheet.unique(row, "code", code, codes)
        name_ok = bool(name) and sheet.unique(row, "name", name, names)
        if code_ok and name_ok:
            drafts.append(TrackDraft(code=code, name=name))
    return drafts


def _read_unit(sheet: _Sheet, row: SheetRow, track_codes: set[str] | None) -> UnitDraft | None:
    before = len(sheet.problems)
    code = sheet.code(row, "code", max_length=max_length(Unit, "code"))
    name = sheet.text(row, "name", max_length=max_length(Unit, "name"))
    track = sheet.text(row, "track", max_length=max_length(Track, "code"))
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
    return tuple(ColumnSpec(f"{TRACK_KEY}{code}", code, required=False) for code in track_codes)


def _check_track_headers(sheet: _Sheet, track_codes: list[str]) -> None:
    header_row = sheet.table.header_row
    for text, letter in sheet.table.extra_headers:
        sheet.problems.append(Problem(
            _("该列既不是指标表的固定列，也不是“赛道”表中的赛道代码（%(codes)s）") % {"codes": "、".join(track_codes)},
            sheet=sheet.table.sheet, row=header_row, column=text, column_letter=letter))
    for code in track_codes:
        if f"{TRACK_KEY}{code}" not in sheet.table.columns:
            sheet.problems.append(Problem(_("缺少赛道“%(track)s”的分值列：表头中应有一列名为“%(track)s”") % {
                "track": code}, sheet=sheet.table.sheet, row=header_row))


def _read_weights(sheet: _Sheet, row: SheetRow, track_codes: list[str]) -> dict[str, Decimal]:
    weight_field = Weight._meta.get_field("weight")
    weights = {}
    for code in track_codes:
        what = _("赛道“%(track)s”的分值") % {"track": code}
        weight = sheet.number(row, f"{TRACK_KEY}{code}", model_field=weight_field, what=what)
        if weight is not None:
            weights[code] = weight
    return weights


def _read_indicator(sheet: _Sheet, row: SheetRow, track_codes: list[str], unit_codes: set[str]) -> IndicatorDraft | None:
    before = len(sheet.problems)
    code = sheet.code(row, "code", max_length=max_length(Indicator, "code"))
    name = sheet.text(row, "name", max_length=max_length(Indicator, "name"))
    dimension = sheet.text(row, "dimension", max_length=max_length(Dimension, "name"))
    measure = sheet.text(row, "measure", max_length=max_length(Indicator, "measure"), required=False)
    direction = _read_choice(sheet, row, "direction", DIRECTION_WORDS, Direction.values, _("方向应为正向或逆向"))
    # SPEC §4: the efficacy coefficient method is the default, so a blank method means it.
    method = _read_choice(sheet, row, "method", METHOD_WORDS, Method.values,
                          _("评分方法应为%(choices)s之一") % {"choices": "、".join(METHOD_WORDS)}, default=Method.EFFICACY)
    target = sheet.number(row, "target", model_field=Indicator._meta.get_field("target"), negative=True)
    if target is not None or row.values.get("target") is None:  # an unreadable target was reported already
        _check_target(sheet, row, method, direction, target)
    provider = sheet.text(row, "provider", max_length=max_length(Unit, "code"))
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
        key = f"{TRACK_KEY}{code}"
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
