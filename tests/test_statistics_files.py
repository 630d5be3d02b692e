"""A department's statistics sheet (SPEC §9) as office software really writes it.

The sheets are written by LibreOffice itself (.xlsx, .xls and .ods, converted headless from a flat ODF
source that carries percent formats, numbers typed as text, formulas with their saved values, a merged
title row and formatted-but-empty cells after the data) and, for comparison, by openpyxl as .xlsx. Each
is imported through the upload path a department uses (indicators.uploads); all four must read alike.
"""

from __future__ import annotations

import copy
import os
from decimal import Decimal

import pytest

from assessment.models import Dimension, Indicator, PeriodState, Statistic
from cadres.models import Unit, UnitKind
from indicators.models import ImportBatch, ImportStatus, ValueVersion
from indicators.uploads import import_statistics_file, read_upload
from tests.office_files import (
    FORMATTED,
    Formula,
    Percent,
    Sheet,
    Text,
    fods_text,
    libreoffice_files,
    openpyxl_bytes,
    soffice_path,
)

# --- The sheets ----------------------------------------------------------------------------------------

TITLE = "重算测试方案 2024 统计数据填报表 · 统计局"
# Row numbers as a spreadsheet program shows them: title on row 1, a blank row 2, the header on row 3.
GOOD_ROWS: list[list[object]] = [
    [TITLE, None, None, None, None],
    [],
    ["单位代码", "单位名称", "G1 增速", "G2", "G3\u3000人均收入", FORMATTED],
    ["Z1", "东镇", Text("1,234.5"), Percent(0.643), "85%", FORMATTED],
    ["Z2", "西镇", Formula("C6/2", 15), Formula("43/50", 0.86, percent_decimals=1), "不适用", FORMATTED],
    ["Z3", "南镇", 30, Percent(1.05, decimals=0), -2.5, "   "],
    # After the data: cells that only keep a format, and a cell holding spaces.
    [FORMATTED] * 6,
    [None, "  ", FORMATTED, None, None, FORMATTED],
    [FORMATTED] * 6,
]
GOOD_VALUES = {  # (unit, indicator) → (value, not applicable)
    ("Z1", "G1"): (Decimal("1234.5"), False),   # text "1,234.5"
    ("Z1", "G2"): (Decimal("64.3"), False),     # 0.643 shown as 64.3%
    ("Z1", "G3"): (Decimal("85"), False),       # text "85%"
    ("Z2", "G1"): (Decimal("15"), False),       # =C6/2, saved as 15
    ("Z2", "G2"): (Decimal("86"), False),       # =43/50 shown as 86.0%
    ("Z2", "G3"): (None, True),                 # 不适用
    ("Z3", "G1"): (Decimal("30"), False),
    ("Z3", "G2"): (Decimal("105"), False),      # 1.05 shown as 105%
    ("Z3", "G3"): (Decimal("-2.5"), False),     # G3 may be negative
}


def _changed(edits: dict[str, object]) -> list[list[object]]:
    rows = copy.deepcopy(GOOD_ROWS)
    for reference, value in edits.items():
        letter, number = reference[0], int(reference[1:])
        rows[number - 1][ord(letter) - ord("A")] = value
    return rows


# name → (cells changed from the good sheet, the errors expected as (row, column letter, column, value, message))
ERROR_FILES = {
    "unknown_unit_code": ({"A6": "Z9"}, [
        (6, "A", "单位代码", "Z9", "单位代码不是本考核方案的考核对象")]),
    "unit_listed_twice": ({"A6": "Z1", "B6": "东镇"}, [
        (6, "A", "单位代码", "Z1", "与第4行重复")]),
    "header_not_an_indicator": ({"E3": "G9 人均收入"}, [
        (3, "E", "G9 人均收入", "", "“G9”不是本考核方案的指标代码")]),
    "indicator_of_another_department": ({"E3": "H1 空气质量"}, [
        (3, "E", "H1 空气质量", "", "指标H1由环保局提供，本部门不能填报")]),
    "value_not_a_number": ({"C4": "待核实"}, [
        (4, "C", "G1 增速", "待核实", "不是数字：应填数字或“不适用”")]),
    "negative_value": ({"C4": -3}, [
        (4, "C", "G1 增速", "-3", "指标G1不能为负数")]),
    "negative_percent": ({"D4": Percent(-0.2)}, [
        (4, "D", "G2", "-20%", "指标G2不能为负数")]),
    "values_without_a_unit_code": ({"C7": 5}, [
        (7, "A", "单位代码", "", "这一行有数据但单位代码为空")]),
    "several_errors_at_once": ({"E3": "H1 空气质量", "C4": "待核实", "D4": Percent(-0.2), "A6": "Z9"}, [
        (3, "E", "H1 空气质量", "", "指标H1由环保局提供，本部门不能填报"),
        (4, "C", "G1 增速", "待核实", "不是数字：应填数字或“不适用”"),
        (4, "D", "G2", "-20%", "指标G2不能为负数"),
        (6, "A", "单位代码", "Z9", "单位代码不是本考核方案的考核对象")]),
}

# An indicator whose code is a number (101), its header typed into the cell as a number.
NUMERIC_CODE_ROWS: list[list[object]] = [
    ["单位代码", "单位名称", 101],
    ["Z1", "东镇", 55.5],
    ["Z2", "西镇", Percent(0.6)],
    ["Z3", "南镇", Text("70")],
]

SHEETS = {"good": Sheet(GOOD_ROWS, merges=("A1:E1",))} | {
    name: Sheet(_changed(edits), merges=("A1:E1",)) for name, (edits, _errors) in ERROR_FILES.items()} | {
    "numeric_indicator_code": Sheet(NUMERIC_CODE_ROWS)}

# The file types a department may send, and who wrote them.
WRITERS = ["LibreOffice .xlsx", "LibreOffice .xls", "LibreOffice .ods", "openpyxl .xlsx"]
LIBREOFFICE_WRITERS = WRITERS[:3]


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """{sheet name: {writer: file bytes}}; LibreOffice starts once per format for the whole session."""
    if soffice_path() is None:
        message = "LibreOffice (soffice) is not installed: .ci/run installs libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    written = libreoffice_files({name: fods_text(sheet) for name, sheet in SHEETS.items()},
                                tmp_path_factory.mktemp("libreoffice"))
    return {name: {**{f"LibreOffice .{ext}": data for ext, data in written[name].items()},
                   "openpyxl .xlsx": openpyxl_bytes(sheet)} for name, sheet in SHEETS.items()}


# --- The scheme ------------------------------------------------------------------------------------------


@pytest.fixture
def scheme(district):
    """The district (G1, G2 from 统计局 TJ), plus G3 from TJ that may be negative, 101 from TJ whose code
    is a number, and H1 from 环保局."""
    scheme, period = district["scheme"], district["period"]
    dimension = Dimension.objects.filter(scheme=scheme).first()
    bureau = Unit.objects.get(code="TJ")
    environment = Unit.objects.create(code="HB", name="环保局", kind=UnitKind.DEPARTMENT)
    Indicator.objects.create(scheme=scheme, code="G3", name="人均收入", dimension=dimension, provider=bureau,
                             may_be_negative=True, sort_order=3)
    Indicator.objects.create(scheme=scheme, code="101", name="森林覆盖率", dimension=dimension, provider=bureau,
                             sort_order=5)
    Indicator.objects.create(scheme=scheme, code="H1", name="空气质量", dimension=dimension, provider=environment,
                             sort_order=4)
    return {"period": period, "bureau": bureau}


def filename(writer: str) -> str:
    return "统计数据" + writer.rsplit(" ", 1)[1]


def read(files, name: str, writer: str, scheme):
    """What checking the file finds: ({(unit, indicator): cell}, problems as dicts)."""
    batch = ImportBatch(period=scheme["period"], department=scheme["bureau"], filename=filename(writer))
    cells, problems = read_upload(files[name][writer], batch)
    found = {(cell.unit.code, cell.indicator.code): cell for cell in cells}
    return found, [(p.severity, p.row, p.column_letter, p.column, p.value, p.message) for p in problems]


def stored(period) -> list[tuple]:
    return list(Statistic.objects.filter(period=period).order_by("unit__code", "indicator__code").values_list(
        "unit__code", "indicator__code", "value", "not_applicable", "target", "batch_id"))


def import_file(files, name: str, writer: str, scheme) -> ImportBatch:
    return import_statistics_file(files[name][writer], filename(writer), period=scheme["period"],
                                  department=scheme["bureau"])


# --- Reading what the sheet shows ------------------------------------------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
def test_the_title_row_is_skipped_and_data_starts_under_the_header(files, scheme, writer):
    cells, problems = read(files, "good", writer, scheme)
    assert problems == []
    assert sorted({cell.row for cell in cells.values()}) == [4, 5, 6]
    assert {cell.unit.code for cell in cells.values()} == {"Z1", "Z2", "Z3"}


@pytest.mark.parametrize("writer", WRITERS)
def test_headers_may_be_the_code_alone_or_the_code_and_the_name(files, scheme, writer):
    cells, _problems = read(files, "good", writer, scheme)
    columns = {cell.indicator.code: (cell.column_letter, cell.column) for cell in cells.values()}
    assert columns == {"G1": ("C", "G1 增速"), "G2": ("D", "G2"), "G3": ("E", "G3\u3000人均收入")}


@pytest.mark.parametrize("writer", WRITERS)
def test_formatted_empty_cells_after_the_data_add_no_rows_columns_or_problems(files, scheme, writer):
    cells, problems = read(files, "good", writer, scheme)
    assert problems == []
    assert len(cells) == 9  # 3 units × 3 indicators: nothing from column F or rows 7–9


@pytest.mark.parametrize("writer", WRITERS)
def test_a_number_stored_as_text_with_a_thousands_separator_reads_as_the_number(files, scheme, writer):
    cells, _problems = read(files, "good", writer, scheme)
    assert cells["Z1", "G1"].value == Decimal("1234.5")


@pytest.mark.parametrize("writer", WRITERS)
def test_a_cell_formatted_as_a_percentage_reads_as_the_percent_shown(files, scheme, writer):
    cells, _problems = read(files, "good", writer, scheme)
    assert cells["Z1", "G2"].value == Decimal("64.3")  # 0.643 shown 64.3%
    assert cells["Z3", "G2"].value == Decimal("105")  # 1.05 shown 105%


@pytest.mark.parametrize("writer", WRITERS)
def test_the_text_85_percent_reads_as_85(files, scheme, writer):
    cells, _problems = read(files, "good", writer, scheme)
    assert cells["Z1", "G3"].value == Decimal("85")


@pytest.mark.parametrize("writer", WRITERS)
def test_not_applicable_text_marks_the_indicator_not_applicable(files, scheme, writer):
    cells, _problems = read(files, "good", writer, scheme)
    cell = cells["Z2", "G3"]
    assert (cell.value, cell.not_applicable) == (None, True)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_formula_counts_by_the_value_saved_with_it(files, scheme, writer):
    cells, _problems = read(files, "good", writer, scheme)
    assert cells["Z2", "G1"].value == Decimal("15")  # =C6/2
    assert cells["Z2", "G2"].value == Decimal("86")  # =43/50 formatted as 0.0%


@pytest.mark.parametrize("writer", WRITERS)
def test_importing_the_sheet_stores_exactly_what_it_shows(files, scheme, writer):
    period = scheme["period"]
    batch = import_file(files, "good", writer, scheme)
    assert batch.status == ImportStatus.COMMITTED, batch.problems
    assert batch.problems == []
    # Stored before: G1 10/20/30 and G2 100/50/80; Z3's G1 stays 30, G3 is new.
    assert batch.counts == {"cells": 9, "created": 3, "changed": 5, "cleared": 0, "unchanged": 1}
    values = {(unit, code): (value, not_applicable) for unit, code, value, not_applicable, _t, _b in stored(period)}
    assert values == GOOD_VALUES


@pytest.mark.parametrize("writer", LIBREOFFICE_WRITERS)
@pytest.mark.parametrize("name", ["good", *ERROR_FILES])
def test_libreoffice_files_read_exactly_like_the_same_sheet_written_by_openpyxl(files, scheme, name, writer):
    def reading(who):
        cells, problems = read(files, name, who, scheme)
        return {key: (cell.value, cell.not_applicable, cell.target, cell.row, cell.column_letter, cell.column)
                for key, cell in cells.items()}, problems

    assert reading(writer) == reading("openpyxl .xlsx")


@pytest.mark.parametrize("writer", WRITERS)
def test_a_header_typed_as_a_number_names_the_indicator_with_that_code(files, scheme, writer):
    # A scheme may use numeric indicator codes (the scheme workbook reads a code 101 typed as a number as
    # "101"); a department typing 101 into the header cell writes a number there too.
    cells, problems = read(files, "numeric_indicator_code", writer, scheme)
    assert problems == []
    assert {unit: cell.value for (unit, _code), cell in cells.items()} == {
        "Z1": Decimal("55.5"), "Z2": Decimal("60"), "Z3": Decimal("70")}


# --- Errors: reported where they are, and nothing stored -------------------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("name", list(ERROR_FILES))
def test_each_error_is_reported_at_its_row_and_column_and_nothing_is_stored(files, scheme, name, writer):
    period = scheme["period"]
    before, versions = stored(period), ValueVersion.objects.count()
    batch = import_file(files, name, writer, scheme)
    assert batch.status == ImportStatus.FAILED
    reported = [(p["row"], p["column_letter"], p["column"], p["value"], p["message"])
                for p in batch.problems if p["severity"] == "error"]
    assert reported == ERROR_FILES[name][1]
    assert all(p["sheet"] == "统计数据" for p in batch.problems)
    assert stored(period) == before
    assert ValueVersion.objects.count() == versions


@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_for_a_period_that_is_not_open_is_refused_and_nothing_is_stored(files, scheme, writer):
    period = scheme["period"]
    period.state = PeriodState.LOCKED
    period.save(update_fields=["state"])
    before = stored(period)
    batch = import_file(files, "good", writer, scheme)
    assert batch.status == ImportStatus.FAILED
    assert [(p["message"], p["row"], p["severity"]) for p in batch.problems] == [
        ("考核周期2024已锁定或已发布，不能再修改统计数据", None, "error")]
    assert stored(period) == before
