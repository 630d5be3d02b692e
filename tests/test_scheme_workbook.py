"""The scheme workbook (SPEC §9): every cell checked, all-or-nothing, idempotent, and it round-trips."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from accounts.models import AuditEvent
from assessment.models import (
    Component,
    Indicator,
    Period,
    PeriodState,
    Scheme,
    Statistic,
    Track,
    UnitResult,
    Weight,
)
from assessment.scheme_workbook import (
    BASE_ATTRIBUTE_WORDS,
    SchemeRejected,
    apply_scheme,
    parse_period_code,
    read_scheme_workbook,
    scheme_workbook_bytes,
)
from cadres.models import BASE_ATTRIBUTES, Unit, UnitKind
from tests.golden import GOLDEN_SAMPLES
from tests.sheets import workbook_bytes, xlsx_bytes

SAMPLES = GOLDEN_SAMPLES
INDICATOR_HEADER = ["代码", "名称", "维度", "计量单位", "方向", "评分方法", "目标值", "数据来源", "人均基数"]


def sample_scheme_bytes() -> bytes:
    path = SAMPLES / "scheme.xlsx"
    assert path.is_file(), f"the golden sample is missing: {path}"
    return path.read_bytes()


def good_sheets() -> dict[str, list[list[object]]]:
    """Two tracks of two units; data rows start on row 2 of every sheet."""
    return {
        "板块": [["名称", "权重"], ["绩效考核", 60], ["班子民主测评", 20], ["民意调查", 20]],
        "赛道": [["代码", "名称"], ["A", "街道"], ["B", "乡镇"]],
        "单位": [["代码", "名称", "赛道", "人口"],
                 ["S01", "东城街道", "A", 5.2], ["S02", "西城街道", "A", 4.8],
                 ["S03", "南山镇", "B", 3.1], ["S04", "北岭乡", "B", 2.7]],
        "指标": [[*INDICATOR_HEADER, "A", "B"],
                 ["E01", "地区生产总值增速", "经济发展", "%", "正向", "功效系数", None, "S01", None, 60, 50],
                 ["E02", "万人信访量", "社会治理", "件", "逆向", "目标完成率", 12, "S03", "人口", 40, 50]],
    }


def set_cell(sheets, sheet: str, row: int, header: str, value) -> None:
    """Set the cell of Excel row ``row`` (1 = the header) in the column headed ``header``."""
    sheets[sheet][row - 1][sheets[sheet][0].index(header)] = value


def add_column(sheets, sheet: str, header: str, values: list[object]) -> None:
    sheets[sheet][0].append(header)
    for row, value in zip(sheets[sheet][1:], values, strict=True):
        row.append(value)


def stored_counts() -> tuple[int, ...]:
    return (Scheme.objects.count(), Component.objects.count(), Track.objects.count(), Unit.objects.count(),
            Indicator.objects.count(), Weight.objects.count(), Period.objects.count())


def load(sheets, *, name: str = "测试方案", year: int = 2024, periods=()):
    draft, problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    assert draft is not None, [str(problem) for problem in problems]
    return apply_scheme(draft, name=name, year=year, period_codes=list(periods))


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_loads_the_golden_sample_scheme():
    draft, problems = read_scheme_workbook(sample_scheme_bytes(), "scheme.xlsx")
    assert draft is not None and not problems
    result = apply_scheme(draft, name="示例方案", year=2024)
    scheme = result.scheme
    assert [(c.name, c.weight, c.is_performance) for c in scheme.components.order_by("sort_order")] == [
        ("绩效考核", 60, True), ("班子民主测评", 20, False), ("民意调查", 20, False)]
    assert [(t.code, t.name) for t in scheme.tracks.order_by("sort_order")] == [("A", "街道"), ("B", "乡镇")]
    assert scheme.memberships.count() == 14
    assert scheme.memberships.filter(track__code="A").count() == 5
    assert Unit.objects.get(code="S01").population == Decimal("72950")
    assert Unit.objects.get(code="S06").kind == UnitKind.TOWNSHIP  # from the track name 乡镇
    assert Unit.objects.get(code="S01").kind == UnitKind.STREET
    indicators = {i.code: i for i in scheme.indicators.select_related("provider", "dimension")}
    assert len(indicators) == 6
    assert {code: i.method for code, i in indicators.items()} == {
        "E01": "efficacy", "E02": "efficacy", "E03": "target", "E04": "rank", "E05": "threshold", "E06": "direct"}
    assert indicators["E02"].per_capita_base == "population" and indicators["E02"].direction == "lower"
    assert [code for code, i in indicators.items() if i.per_capita_base] == ["E02"]
    assert (indicators["E03"].target, indicators["E05"].target) == (80, 2)
    assert indicators["E01"].provider.code == "S01" and indicators["E01"].dimension.name == "经济发展"
    assert list(scheme.dimensions.order_by("sort_order").values_list("name", flat=True)) == ["经济发展", "生态建设"]
    assert Weight.objects.get(indicator=indicators["E02"], track__code="B").weight == 20


INVALID_CASES = {
    "component weights not 100": (
        lambda s: set_cell(s, "板块", 4, "权重", 15), ("板块", None, "权重"), "板块权重合计为95，应为100"),
    "no performance component": (
        lambda s: set_cell(s, "板块", 2, "名称", "实绩考核"), ("板块", None, "名称"), "名称为“绩效考核”的板块"),
    "duplicate component": (
        lambda s: set_cell(s, "板块", 4, "名称", "班子民主测评"), ("板块", 4, "名称"), "与第3行重复"),
    "negative component weight": (
        lambda s: set_cell(s, "板块", 4, "权重", -20), ("板块", 4, "权重"), "权重不能为负数"),
    "duplicate track code": (
        lambda s: s["赛道"].append(["A", "山区"]), ("赛道", 4, "代码"), "与第2行重复"),
    "duplicate track name": (
        lambda s: set_cell(s, "赛道", 3, "名称", "街道"), ("赛道", 3, "名称"), "与第2行重复"),
    "unknown track of a unit": (
        lambda s: set_cell(s, "单位", 5, "赛道", "C"), ("单位", 5, "赛道"), "赛道代码不存在"),
    "unit listed twice": (
        lambda s: s["单位"].append(["S01", "东城街道二", "A", 5]), ("单位", 6, "代码"), "与第2行重复"),
    "blank unit code": (
        lambda s: set_cell(s, "单位", 3, "代码", None), ("单位", 3, "代码"), "代码不能为空"),
    "population not a number": (
        lambda s: set_cell(s, "单位", 2, "人口", "五万"), ("单位", 2, "人口"), "人口不是数字"),
    "unknown unit kind": (
        lambda s: add_column(s, "单位", "类型", [None, "村", None, None]), ("单位", 3, "类型"), "乡镇、街道、区直部门"),
    "unknown method": (
        lambda s: set_cell(s, "指标", 2, "评分方法", "加权平均"), ("指标", 2, "评分方法"),
        "评分方法应为功效系数、目标完成率、排名、达标、直接赋分之一"),
    "unknown direction": (
        lambda s: set_cell(s, "指标", 2, "方向", "越大越好"), ("指标", 2, "方向"), "方向应为正向或逆向"),
    "unknown provider": (
        lambda s: set_cell(s, "指标", 2, "数据来源", "X99"), ("指标", 2, "数据来源"), "数据来源单位代码不存在"),
    "unknown per-capita base": (
        lambda s: set_cell(s, "指标", 3, "人均基数", "户数"), ("指标", 3, "人均基数"), "人口、面积、地区生产总值、财政收入"),
    "a unit without the per-capita base": (
        lambda s: set_cell(s, "单位", 4, "人口", None), ("指标", 3, "人均基数"), "赛道“B”中的单位S03 南山镇没有人口数据"),
    "a unit whose per-capita base is 0": (
        lambda s: set_cell(s, "单位", 5, "人口", 0), ("指标", 3, "人均基数"), "S04 北岭乡没有人口数据或为0"),
    "target missing for the target method": (
        lambda s: set_cell(s, "指标", 3, "目标值", None), ("指标", 3, "目标值"), "评分方法为目标完成率的指标必须填写目标值"),
    "target missing for the threshold method": (
        lambda s: (set_cell(s, "指标", 3, "评分方法", "达标"), set_cell(s, "指标", 3, "目标值", None)),
        ("指标", 3, "目标值"), "评分方法为达标的指标必须填写目标值"),
    "target 0 of a higher-is-better target indicator": (
        lambda s: (set_cell(s, "指标", 3, "方向", "正向"), set_cell(s, "指标", 3, "目标值", 0)),
        ("指标", 3, "目标值"), "正向的目标完成率指标目标值不能为0"),
    "target not a number": (
        lambda s: set_cell(s, "指标", 3, "目标值", "十二"), ("指标", 3, "目标值"), "目标值不是数字"),
    "weight not a number": (
        lambda s: set_cell(s, "指标", 2, "A", "六十"), ("指标", 2, "A"), "赛道“A”的分值不是数字"),
    "negative weight": (
        lambda s: set_cell(s, "指标", 2, "B", -50), ("指标", 2, "B"), "赛道“B”的分值不能为负数"),
    "weight with three decimals": (
        lambda s: set_cell(s, "指标", 2, "A", 59.995), ("指标", 2, "A"), "最多保留2位小数"),
    "a weight column that is not a track": (
        lambda s: add_column(s, "指标", "C", [10, 10]), ("指标", 1, "C"), "不是“赛道”表中的赛道代码"),
    "a track without a weight column": (
        lambda s: s["赛道"].append(["C", "开发区"]), ("指标", 1, ""), "缺少赛道“C”的分值列"),
    "track weights not 100": (
        lambda s: set_cell(s, "指标", 3, "A", 35), ("指标", None, "A"), "赛道“A”的指标分值合计为95，应为100"),
    "duplicate indicator code": (
        lambda s: s["指标"].append(["E01", "另一指标", "经济发展", "%", "正向", "排名", None, "S01", None, 0, 0]),
        ("指标", 4, "代码"), "与第2行重复"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(INVALID_CASES))
def test_it_refuses_an_invalid_workbook_naming_sheet_row_and_column_and_stores_nothing(case, tmp_path):
    mutate, (sheet, row, column), message = INVALID_CASES[case]
    sheets = good_sheets()
    mutate(sheets)
    data = workbook_bytes(sheets)

    draft, problems = read_scheme_workbook(data, "方案.xlsx")
    assert draft is None
    located = [p for p in problems if p.is_error and (p.sheet, p.row, p.column) == (sheet, row, column)]
    assert any(message in p.message for p in located), [str(p) for p in problems]
    text = str(next(p for p in located if message in p.message))
    assert f"工作表“{sheet}”" in text and (row is None or f"第{row}行" in text)

    before = stored_counts()
    path = tmp_path / "方案.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="未载入任何数据"):
        call_command("load_scheme", str(path), name="测试方案", year=2024, periods=["2024"],
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert stored_counts() == before


@pytest.mark.django_db
def test_it_reports_every_problem_not_just_the_first():
    sheets = good_sheets()
    set_cell(sheets, "板块", 4, "权重", 15)
    set_cell(sheets, "单位", 5, "赛道", "C")
    set_cell(sheets, "指标", 2, "评分方法", "加权平均")
    set_cell(sheets, "指标", 3, "目标值", None)
    _draft, problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    assert {(p.sheet, p.row, p.column) for p in problems if p.is_error} >= {
        ("板块", None, "权重"), ("单位", 5, "赛道"), ("指标", 2, "评分方法"), ("指标", 3, "目标值")}


@pytest.mark.django_db
def test_it_names_the_track_and_the_sum_when_weights_do_not_add_up_to_100():
    sheets = good_sheets()
    set_cell(sheets, "指标", 2, "B", 50.5)
    _draft, problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    assert [p.message for p in problems if p.is_error] == ["赛道“B”的指标分值合计为100.5，应为100"]
    assert str(problems[0]) == "工作表“指标” “B”列（K列）：赛道“B”的指标分值合计为100.5，应为100"


@pytest.mark.django_db
def test_it_sums_weights_in_decimal_arithmetic():
    sheets = good_sheets()
    sheets["指标"].append(["E03", "第三项", "经济发展", "%", "正向", "排名", None, "S01", None, 0.1, 0])
    set_cell(sheets, "指标", 2, "A", 59.7)
    set_cell(sheets, "指标", 3, "A", 40.2)  # 59.7 + 40.2 + 0.1 is 99.99999999999999 in floats
    draft, problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    assert draft is not None, [str(p) for p in problems]


@pytest.mark.django_db
def test_it_names_the_missing_sheets():
    data = xlsx_bytes(good_sheets()["板块"], sheet="板块")
    draft, problems = read_scheme_workbook(data, "方案.xlsx")
    assert draft is None
    messages = [p.message for p in problems]
    for sheet in ("赛道", "单位", "指标"):
        assert f"缺少工作表“{sheet}”（文件中的工作表：板块）" in messages


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_a_spreadsheet_in_chinese():
    draft, problems = read_scheme_workbook(b"not a spreadsheet", "方案.xlsx")
    assert draft is None and problems[0].message == "文件扩展名是 xlsx，但内容不是有效的表格文件"


@pytest.mark.django_db
def test_it_accepts_english_sheet_and_column_names_and_title_rows():
    sheets = good_sheets()
    english = {"板块": "components", "赛道": "tracks", "单位": "units", "指标": "indicators"}
    names = {"名称": "name", "权重": "weight", "代码": "code", "赛道": "track", "人口": "population",
             "维度": "dimension", "计量单位": "measure", "方向": "direction", "评分方法": "method",
             "目标值": "target", "数据来源": "provider", "人均基数": "per_capita_base"}
    renamed = {english[title]: [[names.get(h, h) for h in rows[0]], *rows[1:]] for title, rows in sheets.items()}
    renamed["indicators"].insert(0, ["2024年度考核指标"])  # a title row above the header is ignored
    draft, problems = read_scheme_workbook(workbook_bytes(renamed), "scheme.xlsx")
    assert draft is not None, [str(p) for p in problems]
    assert [i.code for i in draft.indicators] == ["E01", "E02"]


@pytest.mark.django_db
def test_it_warns_about_a_track_without_units():
    sheets = good_sheets()
    sheets["赛道"].append(["C", "开发区"])
    add_column(sheets, "指标", "C", [50, 50])
    draft, problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    assert draft is not None
    assert [(p.sheet, p.row, p.is_error) for p in problems] == [("赛道", 4, False)]
    assert problems[0].message == "赛道“C”没有任何单位（“单位”表中没有属于该赛道的单位）"


def test_it_has_a_chinese_header_for_every_base_attribute():
    assert sorted(BASE_ATTRIBUTE_WORDS.values()) == sorted(BASE_ATTRIBUTES)


# --- Applying -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_changes_nothing_when_the_same_workbook_is_applied_twice():
    draft, _problems = read_scheme_workbook(sample_scheme_bytes(), "scheme.xlsx")
    first = apply_scheme(draft, name="示例方案", year=2024, period_codes=["2024"])
    assert first.scheme_created and first.created["indicators"] == 6 and first.periods_created == ["2024"]
    before = stored_counts()
    again = apply_scheme(draft, name="示例方案", year=2024, period_codes=["2024"])
    assert again.changes == 0 and not again.scheme_created
    assert not (again.created or again.updated or again.removed)
    assert stored_counts() == before
    assert again.summary() == "方案“2024 示例方案”与工作簿一致，未作任何修改。"


@pytest.mark.django_db
def test_it_round_trips_a_downloaded_workbook_without_changes():
    Unit.objects.create(code="TJJ", name="区统计局", kind=UnitKind.DEPARTMENT)
    sheets = good_sheets()
    add_column(sheets, "单位", "类型", ["开发区", None, None, None])
    add_column(sheets, "单位", "面积", [12.5, None, 30, None])
    set_cell(sheets, "指标", 3, "目标值", 12.345678)
    set_cell(sheets, "指标", 2, "数据来源", "TJJ")
    set_cell(sheets, "指标", 2, "A", 59.5)
    set_cell(sheets, "指标", 3, "A", 40.5)
    scheme = load(sheets).scheme

    download = scheme_workbook_bytes(scheme)
    draft, problems = read_scheme_workbook(download, f"{scheme.name}.xlsx")
    assert draft is not None and not problems, [str(p) for p in problems]
    again = apply_scheme(draft, name=scheme.name, year=scheme.year)
    assert again.changes == 0, again.counts()

    # The download is the documented format: headers first, Chinese words, numbers as numbers.
    book = CalamineWorkbook.from_filelike(io.BytesIO(download))
    assert book.sheet_names == ["板块", "赛道", "单位", "指标"]
    rows = book.get_sheet_by_name("指标").to_python()
    assert rows[0] == [*INDICATOR_HEADER, "A", "B"]
    assert rows[2][4:] == ["逆向", "目标完成率", 12.345678, "S03", "人口", 40.5, 50]
    assert book.get_sheet_by_name("单位").to_python()[1][:3] == ["S01", "东城街道", "A"]


@pytest.mark.django_db
def test_it_creates_units_with_a_kind_from_the_type_column_or_the_track_name():
    sheets = good_sheets()
    sheets["赛道"].append(["D", "区直部门（经济类）"])
    sheets["单位"].append(["D01", "区发改局", "D", None])
    add_column(sheets, "单位", "类型", ["开发区", None, None, None, None])
    add_column(sheets, "指标", "D", [100, 0])  # E02 is per capita and D01 has no population
    load(sheets)
    kinds = dict(Unit.objects.values_list("code", "kind"))
    assert kinds == {"S01": UnitKind.DEVELOPMENT_ZONE, "S02": UnitKind.STREET, "S03": UnitKind.TOWNSHIP,
                     "S04": UnitKind.TOWNSHIP, "D01": UnitKind.DEPARTMENT}


@pytest.mark.django_db
def test_it_updates_an_existing_unit_only_where_the_workbook_gives_a_value():
    Unit.objects.create(code="S03", name="南山乡", kind=UnitKind.STREET, population=Decimal("3.3"), gdp=Decimal("9"))
    sheets = good_sheets()
    add_column(sheets, "单位", "地区生产总值", [None, None, None, None])
    result = load(sheets)
    unit = Unit.objects.get(code="S03")
    assert (unit.name, unit.kind, unit.population, unit.gdp) == ("南山镇", UnitKind.STREET, Decimal("3.1"), 9)
    assert (result.created["units"], result.updated["units"]) == (3, 1)


@pytest.mark.django_db
def test_it_warns_when_the_workbook_renames_a_registry_unit():
    Unit.objects.create(code="S03", name="南山乡", kind=UnitKind.TOWNSHIP)
    _draft, problems = read_scheme_workbook(workbook_bytes(good_sheets()), "方案.xlsx")
    assert [(p.sheet, p.row, p.column, p.is_error) for p in problems] == [("单位", 4, "名称", False)]
    assert problems[0].message == "单位名录中该单位的名称是“南山乡”，载入后将改为“南山镇”"


@pytest.mark.django_db
def test_it_uses_the_registry_for_a_per_capita_base_the_sheet_leaves_blank():
    Unit.objects.create(code="S03", name="南山镇", kind=UnitKind.TOWNSHIP, population=Decimal("3.3"))
    sheets = good_sheets()
    set_cell(sheets, "单位", 4, "人口", None)
    draft, problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    assert draft is not None, [str(p) for p in problems]


@pytest.mark.django_db
def test_it_moves_a_unit_to_another_track_and_removes_what_the_workbook_dropped():
    load(good_sheets())
    sheets = good_sheets()
    set_cell(sheets, "单位", 3, "赛道", "B")  # S02 moves to B
    sheets["单位"].pop(4)  # S04 leaves the scheme
    sheets["板块"] = [["名称", "权重"], ["绩效考核", 80], ["班子民主测评", 20]]
    sheets["指标"].pop(2)  # E02 goes
    set_cell(sheets, "指标", 2, "A", 100)
    set_cell(sheets, "指标", 2, "B", 100)
    result = load(sheets)
    scheme = result.scheme
    assert dict(scheme.memberships.values_list("unit__code", "track__code")) == {"S01": "A", "S02": "B", "S03": "B"}
    assert list(scheme.components.values_list("name", flat=True)) == ["绩效考核", "班子民主测评"]
    assert list(scheme.indicators.values_list("code", flat=True)) == ["E01"]
    assert list(scheme.dimensions.values_list("name", flat=True)) == ["经济发展"]
    assert Unit.objects.filter(code="S04").exists()  # units belong to the registry and stay
    assert (result.removed["components"], result.removed["indicators"], result.removed["memberships"]) == (1, 1, 1)
    assert result.updated["memberships"] == 1


@pytest.mark.django_db
def test_it_refuses_to_remove_an_indicator_that_has_statistics():
    scheme = load(good_sheets(), periods=["2024"]).scheme
    Statistic.objects.create(period=scheme.periods.get(), unit=Unit.objects.get(code="S03"),
                             indicator=scheme.indicators.get(code="E02"), value=Decimal("7"))
    sheets = good_sheets()
    sheets["指标"].pop(2)
    set_cell(sheets, "指标", 2, "A", 100)
    set_cell(sheets, "指标", 2, "B", 100)
    draft, _problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    with pytest.raises(SchemeRejected) as rejected:
        apply_scheme(draft, name="测试方案", year=2024)
    assert "指标“E02 万人信访量”已有统计数据" in rejected.value.problems[0].message
    assert scheme.indicators.count() == 2 and Weight.objects.get(indicator__code="E01", track__code="A").weight == 60


@pytest.mark.django_db
def test_it_refuses_to_change_a_scheme_with_a_locked_period_and_stores_nothing():
    scheme = load(good_sheets(), periods=["2024H1"]).scheme
    Period.objects.filter(scheme=scheme).update(state=PeriodState.LOCKED)
    sheets = good_sheets()
    set_cell(sheets, "指标", 2, "A", 50)
    set_cell(sheets, "指标", 3, "A", 50)
    draft, _problems = read_scheme_workbook(workbook_bytes(sheets), "方案.xlsx")
    with pytest.raises(SchemeRejected) as rejected:
        apply_scheme(draft, name="测试方案", year=2024, period_codes=["2024H2"])
    assert "2024H1 已锁定" in rejected.value.problems[0].message
    assert Weight.objects.get(indicator__code="E01", track__code="A").weight == 60
    assert list(scheme.periods.values_list("code", flat=True)) == ["2024H1"]
    # Opening a new period of an unchanged scheme is still allowed.
    assert load(good_sheets(), periods=["2024H2"]).periods_created == ["2024H2"]


@pytest.mark.django_db
def test_it_requests_a_recompute_of_existing_periods_only_when_something_changed():
    scheme = load(good_sheets(), periods=["2024"]).scheme
    period = scheme.periods.get()
    assert period.inputs_version == 0  # a new period has nothing to recompute yet
    assert load(good_sheets(), periods=["2024"]).recompute_requested == []
    period.refresh_from_db()
    assert period.inputs_version == 0

    sheets = good_sheets()
    set_cell(sheets, "单位", 2, "人口", 5.3)
    assert load(sheets).recompute_requested == ["2024"]
    period.refresh_from_db()
    assert period.inputs_version == 1 and period.recompute_queued


@pytest.mark.django_db
def test_it_writes_an_audit_event_with_the_counts():
    load(good_sheets(), periods=["2024"])
    event = AuditEvent.objects.get(action="assessment.scheme.loaded")
    assert event.object_repr == "2024 测试方案" and event.detail["filename"] == "方案.xlsx"
    assert event.detail["created"]["indicators"] == 2 and event.detail["periods_created"] == ["2024"]


# --- Periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [
    ("2024", ("2024", "year", date(2024, 1, 1), date(2024, 12, 31))),
    ("2024H1", ("2024H1", "half", date(2024, 1, 1), date(2024, 6, 30))),
    ("2024h2", ("2024H2", "half", date(2024, 7, 1), date(2024, 12, 31))),
    ("2024Q3", ("2024Q3", "quarter", date(2024, 7, 1), date(2024, 9, 30))),
    ("2024Q1", ("2024Q1", "quarter", date(2024, 1, 1), date(2024, 3, 31))),
    ("2024-02", ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29))),
    ("2023-02", ("2023-02", "month", date(2023, 2, 1), date(2023, 2, 28))),
    ("2024-12", ("2024-12", "month", date(2024, 12, 1), date(2024, 12, 31))),
])
def test_it_derives_the_period_type_and_dates_from_the_code(code, expected):
    spec = parse_period_code(code)
    assert (spec.code, spec.period_type, spec.start_date, spec.end_date) == expected


@pytest.mark.parametrize("code", ["2024H3", "2024Q5", "2024-13", "2024-7", "24", "二〇二四", ""])
def test_it_does_not_guess_an_unparseable_period_code(code):
    assert parse_period_code(code) is None


@pytest.mark.django_db
def test_it_refuses_an_unparseable_or_foreign_period_code_and_stores_nothing():
    draft, _problems = read_scheme_workbook(workbook_bytes(good_sheets()), "方案.xlsx")
    with pytest.raises(SchemeRejected) as rejected:
        apply_scheme(draft, name="测试方案", year=2024, period_codes=["2024", "2024Q5", "2023H1"])
    messages = [str(p) for p in rejected.value.problems]
    assert messages == [
        "“周期代码”列：周期代码无法识别，应写成 2024、2024H1、2024Q3 或 2024-07 的形式（读到的值：2024Q5）",
        "“周期代码”列：周期不属于2024年度的方案（读到的值：2023H1）",
    ]
    assert stored_counts() == (0, 0, 0, 0, 0, 0, 0)


# --- Commands -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_loads_a_workbook_and_opens_periods_from_the_command(tmp_path):
    path = tmp_path / "scheme.xlsx"
    path.write_bytes(sample_scheme_bytes())
    out = io.StringIO()
    call_command("load_scheme", str(path), name="示例方案", year=2024, periods=["2024", "2024H1"], stdout=out)
    assert "已新建方案“2024 示例方案”" in out.getvalue() and "指标新增6" in out.getvalue()
    periods = {p.code: (p.period_type, p.start_date, p.end_date, p.state) for p in Period.objects.all()}
    assert periods == {"2024": ("year", date(2024, 1, 1), date(2024, 12, 31), "open"),
                       "2024H1": ("half", date(2024, 1, 1), date(2024, 6, 30), "open")}

    out = io.StringIO()
    call_command("load_scheme", str(path), name="示例方案", year=2024, periods=["2024"], stdout=out)
    assert "未作任何修改" in out.getvalue()


def test_it_exits_non_zero_from_the_command_line_on_a_bad_workbook(tmp_path):
    env = {**os.environ, "SQLITE_NAME": str(tmp_path / "cli.sqlite3")}
    run = {"cwd": Path(settings.BASE_DIR), "capture_output": True, "text": True, "env": env}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, **run)
    sheets = good_sheets()
    set_cell(sheets, "指标", 3, "A", 35)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes(sheets))
    completed = subprocess.run([sys.executable, "manage.py", "load_scheme", str(bad), "--name", "测试方案",
                                "--year", "2024", "--period", "2024"], **run)
    assert completed.returncode != 0
    assert "[错误] 工作表“指标” “A”列（J列）：赛道“A”的指标分值合计为95，应为100" in completed.stderr
    assert "未载入任何数据" in completed.stderr


# --- Exporting results --------------------------------------------------------------------------


@pytest.fixture
def period_with_results(db):
    scheme = load(good_sheets(), periods=["2024"]).scheme
    period = scheme.periods.get()
    components = {c.name: c.pk for c in scheme.components.all()}
    tracks = {t.code: t for t in scheme.tracks.all()}
    rows = [  # unit, track, performance, democratic, public, total, rank, tier, rank change
        ("S02", "A", 91.123456789, 88.0, 90.0, 90.8740740734, 1, 1, 2),
        ("S01", "A", 80.5, 85.0, None, 65.3, 2, 3, None),
        ("S03", "B", 70.0, 80.0, 75.0, 72.0, 1, 1, None),
    ]
    for code, track, performance, democratic, public, total, rank, tier, change in rows:
        scores = {str(components["绩效考核"]): performance, str(components["班子民主测评"]): democratic}
        if public is not None:
            scores[str(components["民意调查"])] = public
        UnitResult.objects.create(
            period=period, unit=Unit.objects.get(code=code), track=tracks[track], performance=performance,
            component_scores=scores, bonus=0.5 if code == "S02" else 0, penalty=0, total=total, rank=rank, tier=tier,
            rank_change=change, computed_at=timezone.now(), inputs_version=0)
    UnitResult.objects.create(period=period, unit=Unit.objects.get(code="S04"), track=tracks["B"],
                              computed_at=timezone.now(), inputs_version=0)  # exempted from everything
    return period


EXPORT_HEADER = ["unit_code", "unit_name", "track", "绩效考核", "班子民主测评", "民意调查",
                 "bonus", "penalty", "total", "rank", "tier", "rank_change"]


@pytest.mark.django_db
def test_it_exports_results_as_csv_that_excel_opens(period_with_results, tmp_path):
    output = tmp_path / "results.csv"
    call_command("export_results", scheme="测试方案", period="2024", output=str(output), stdout=io.StringIO())
    data = output.read_bytes()
    assert data.startswith("\ufeff".encode())  # the BOM tells Excel the file is UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == EXPORT_HEADER
    assert rows[1] == ["S02", "西城街道", "A", "91.123456789", "88.0", "90.0", "0.5", "0.0", "90.8740740734",
                       "1", "1", "2"]
    assert rows[2] == ["S01", "东城街道", "A", "80.5", "85.0", "", "0.0", "0.0", "65.3", "2", "3", ""]
    assert [row[0] for row in rows[1:]] == ["S02", "S01", "S03", "S04"]
    assert rows[4][3:] == ["", "", "", "0.0", "0.0", "", "", "", ""]


@pytest.mark.django_db
def test_it_exports_results_as_xlsx_with_numbers(period_with_results, tmp_path):
    output = tmp_path / "results.xlsx"
    call_command("export_results", scheme="测试方案", period="2024", output=str(output), stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(output)).get_sheet_by_name("results").to_python()
    assert rows[0] == EXPORT_HEADER
    assert rows[1][:4] == ["S02", "西城街道", "A", 91.123456789] and rows[1][9:] == [1, 1, 2]
    assert rows[2][5] == "" and len(rows) == 5


@pytest.mark.django_db
def test_it_refuses_an_export_of_another_type_or_without_results(period_with_results, tmp_path):
    with pytest.raises(CommandError, match=r"只能导出为 \.csv 或 \.xlsx 文件"):
        call_command("export_results", scheme="测试方案", period="2024", output=str(tmp_path / "r.txt"))
    with pytest.raises(CommandError, match="找不到方案“测试方案”的周期“2025”"):
        call_command("export_results", scheme="测试方案", period="2025", output=str(tmp_path / "r.csv"))
    UnitResult.objects.all().delete()
    with pytest.raises(CommandError, match="还没有计算结果"):
        call_command("export_results", scheme="测试方案", period="2024", output=str(tmp_path / "r.csv"))
    assert not (tmp_path / "r.csv").exists()
