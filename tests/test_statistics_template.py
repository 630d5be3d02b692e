"""The statistics template a provider department downloads (SPEC §9): layout, pre-filled values,
validation, instructions, hidden marker, and a round trip through the product's own reader."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assessment.models import Indicator, Statistic
from assessment.workbooks import open_workbook
from cadres.models import Unit, UnitKind
from indicators.models import ImportBatch, ImportMode
from indicators.statistics_import import read_statistics
from indicators.statistics_template import (
    TEMPLATE_VERSION,
    read_template_marker,
    statistics_template_bytes,
    statistics_template_filename,
)
from indicators.uploads import plan_upload, read_upload
from tests.sheets import workbook_bytes, xlsx_bytes

HEADER = ["单位代码", "单位名称", "G1 增速", "G2 完成率", "目标:G2"]


@pytest.fixture
def provider(district):
    return Unit.objects.get(code="TJ")


@pytest.fixture
def varied(district):
    """Besides plain numbers: a fraction, a not-applicable cell and a unit's own target."""
    towns, period = district["towns"], district["period"]
    Statistic.objects.filter(period=period, unit=towns["Z1"], indicator__code="G1").update(value=Decimal("10.25"))
    Statistic.objects.filter(period=period, unit=towns["Z3"], indicator__code="G1").update(
        value=None, not_applicable=True)
    Statistic.objects.filter(period=period, unit=towns["Z2"], indicator__code="G2").update(target=Decimal("60.5"))
    return district


def rows_of(sheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def template(period, department):
    data = statistics_template_bytes(period, department)
    return data, load_workbook(io.BytesIO(data))


def test_the_data_sheet_has_a_title_the_header_and_every_unit(varied, provider):
    _data, book = template(varied["period"], provider)
    assert book.sheetnames == ["统计数据", "填报说明", "_模板信息"]
    sheet = book.active
    assert sheet.title == "统计数据"
    assert sheet["A1"].value == "重算测试方案 2024 统计数据填报表 · 统计局"
    assert sheet["A1"].font.bold
    assert "A1:E1" in {str(merged) for merged in sheet.merged_cells.ranges}
    rows = rows_of(sheet)
    assert rows[1] == HEADER
    assert [row[:2] for row in rows[2:]] == [["Z1", "东镇"], ["Z2", "西镇"], ["Z3", "南镇"]]
    assert sheet.freeze_panes == "C3"
    assert sheet["A3"].fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet["B5"].fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet["C3"].fill.fill_type is None
    assert sheet.column_dimensions["B"].width >= 10


def test_the_current_values_are_pre_filled_as_numbers(varied, provider):
    _data, book = template(varied["period"], provider)
    rows = rows_of(book.active)
    assert rows[2][2:] == [10.25, 100, None]
    assert rows[3][2:] == [20, 50, 60.5]
    assert rows[4][2:] == ["不适用", 80, None]
    assert book.active["C4"].data_type == "n"


def test_indicators_follow_their_dimension_order_before_their_own(district, provider):
    # G2's dimension (生态建设) sorts after G1's (经济发展), whatever the indicators' own sort order.
    Indicator.objects.filter(code="G1").update(sort_order=5)
    _data, book = template(district["period"], provider)
    assert rows_of(book.active)[1] == HEADER


def test_value_cells_accept_a_number_or_not_applicable(district, provider):
    Indicator.objects.filter(code="G2").update(may_be_negative=True)
    _data, book = template(district["period"], provider)
    validations = {str(validation.sqref): validation for validation in book.active.data_validations.dataValidation}
    # G1 cannot be negative; G2 may be.
    assert validations["C3:C5"].formula1 == 'OR(AND(ISNUMBER(C3),C3>=0),C3="不适用")'
    assert validations["D3:D5"].formula1 == 'OR(ISNUMBER(D3),D3="不适用")'
    for validation in (validations["C3:C5"], validations["D3:D5"]):
        assert validation.type == "custom"
        assert validation.showErrorMessage and validation.errorStyle == "stop"
        assert "不适用" in validation.error and validation.errorTitle
        assert validation.showInputMessage and validation.prompt
    assert validations["E3:E5"].formula1 == "ISNUMBER(E3)"


def test_the_instructions_list_the_departments_indicators(district, provider):
    Indicator.objects.filter(code="G1").update(measure="%", criteria="增速越高得分越高")
    _data, book = template(district["period"], provider)
    rows = rows_of(book["填报说明"])
    text = "\n".join(str(row[0]) for row in rows if row[0])
    assert "不适用" in text and "留空" in text and "85%" in text and "目标:" in text
    header_at = next(index for index, row in enumerate(rows) if row[0] == "代码")
    assert rows[header_at] == ["代码", "名称", "维度", "计量单位", "方向", "评分方法", "默认目标值", "评分标准"]
    assert rows[header_at + 1] == ["G1", "增速", "经济发展", "%", "正向", "功效系数", None, "增速越高得分越高"]
    assert rows[header_at + 2] == ["G2", "完成率", "生态建设", None, "正向", "目标完成率", 100, None]
    assert len(rows) == header_at + 3


def test_the_marker_is_hidden_and_reads_back(district, provider):
    data, book = template(district["period"], provider)
    assert book["_模板信息"].sheet_state == "veryHidden"
    marker = read_template_marker(open_workbook(data, "模板.xlsx"))
    assert datetime.fromisoformat(marker.pop("生成时间")).tzinfo is not None
    assert marker == {
        "模板": "统计数据", "模板版本": str(TEMPLATE_VERSION), "方案ID": str(district["scheme"].pk),
        "方案名称": "重算测试方案", "年度": "2024", "周期": "2024", "部门": "TJ", "指标": "G1,G2",
    }


def test_marker_numbers_read_as_whole_numbers_and_a_plain_sheet_has_no_marker():
    data = workbook_bytes({"统计数据": [["单位代码"]], "_模板信息": [["模板版本", 1.0], ["方案ID", 7]]})
    assert read_template_marker(open_workbook(data, "a.xlsx")) == {"模板版本": "1", "方案ID": "7"}
    assert read_template_marker(open_workbook(xlsx_bytes([["单位代码"]]), "b.xlsx")) is None


def test_the_template_reads_back_unchanged(varied, provider):
    period = varied["period"]
    data = statistics_template_bytes(period, provider)
    cells, problems = read_statistics(data, "模板.xlsx", period=period, department=provider)
    assert problems == []
    read = {(cell.unit.code, cell.indicator.code): (cell.value, cell.not_applicable, cell.target) for cell in cells}
    stored = {(s.unit.code, s.indicator.code): (s.value, s.not_applicable, s.target)
              for s in Statistic.objects.filter(period=period).select_related("unit", "indicator")}
    assert read == stored
    assert read[("Z1", "G1")] == (Decimal("10.25"), False, None)
    assert read[("Z3", "G1")] == (None, True, None)
    assert read[("Z2", "G2")] == (Decimal("50"), False, Decimal("60.5"))

    for mode in ImportMode:
        plan = plan_upload(cells, period, mode)
        assert plan.is_empty and plan.unchanged == 6
    # The upload's own check, marker included, finds nothing to say about an unchanged template.
    batch = ImportBatch(period=period, department=provider, filename="模板.xlsx")
    assert read_upload(data, batch) == (cells, [])


def test_a_department_without_indicators_gets_the_two_fixed_columns(district):
    finance = Unit.objects.create(code="CZ", name="财政局", kind=UnitKind.DEPARTMENT)
    data, book = template(district["period"], finance)
    rows = rows_of(book.active)
    assert rows[1] == ["单位代码", "单位名称"]
    assert rows[2:] == [["Z1", "东镇"], ["Z2", "西镇"], ["Z3", "南镇"]]
    assert book.active.data_validations.dataValidation == []
    instructions = [row[0] for row in rows_of(book["填报说明"]) if row[0]]
    assert any("没有需要填报的指标" in line for line in instructions)
    assert "代码" not in instructions  # no indicator table
    assert read_template_marker(open_workbook(data, "模板.xlsx"))["指标"] == ""


def test_the_filename_names_the_period_and_department(district, provider):
    assert statistics_template_filename(district["period"], provider) == "统计数据模板_2024_TJ.xlsx"
