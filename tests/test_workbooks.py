"""The defensive spreadsheet reader (SPEC §9) on real files: percent cells read as the percent shown in
.xlsx, .xls and .ods, the header found under a title row, and hostile files refused in Chinese."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from assessment.workbooks import (
    ColumnSpec,
    PercentCell,
    WorkbookRejected,
    cell_number,
    cell_text,
    display_value,
    is_percent_format,
    open_workbook,
    read_table,
)
from tests.golden import GOLDEN_SAMPLES

SAMPLES = GOLDEN_SAMPLES

STATS_COLUMNS = [ColumnSpec("unit_code", "单位代码"), ColumnSpec("unit_name", "单位名称", required=False)]


def xlsx(rows: list[list[object]], formats: dict[str, str] | None = None, *, sheet: str = "统计数据") -> bytes:
    """A real .xlsx written by openpyxl; ``formats`` maps a cell ('C4') to its number format."""
    book = OpenpyxlWorkbook()
    worksheet = book.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    for reference, number_format in (formats or {}).items():
        worksheet[reference].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_part(data: bytes, name: str, change) -> bytes:
    """The same zip with part ``name`` passed through ``change`` (bytes → bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            target.writestr(entry.filename, change(content) if entry.filename == name else content)
    return buffer.getvalue()


def rejection(data: bytes, filename: str) -> str:
    with pytest.raises(WorkbookRejected) as caught:
        open_workbook(data, filename)
    return str(caught.value)


# --- Percent cells in .xlsx ---------------------------------------------------------------------


def stats_xlsx() -> bytes:
    rows = [
        ["2024年第二季度统计数据"],                                          # a title row
        [],
        ["单位代码", "单位名称", "完成率", "达标率", "得分", "满意度", "金额"],  # header on row 3
        ["S01", "示例街道1", 0.643, 0.755, 12.5, "85%", "1,234.5"],
        [],                                                                   # a blank row
        ["S02", "示例街道2", 1, 0.1, 7, "７０％", 99],
        ["S03", "示例街道3", "不适用", None, 0.5, "", True],
    ]
    formats = {"C4": "0.0%", "D4": "0%", "E4": '0.00"%"', "C6": "0.0%", "D6": "0%", "E6": '0.00"%"',
               "C7": "0.0%", "D7": "0%", "G7": "0%", "F4": "0%"}
    return xlsx(rows, formats)


def test_percent_formatted_cells_read_as_the_percent_shown():
    table = read_table(open_workbook(stats_xlsx(), "统计.xlsx"), STATS_COLUMNS, allow_extra_columns=True)
    assert table.header_row == 3
    assert [row.number for row in table.rows] == [4, 6, 7]  # the title and the blank row are skipped
    s01, s02, s03 = (row.extra for row in table.rows)

    assert cell_number(s01["完成率"]) == Decimal("64.3")          # 0.643 shown as 64.3%
    assert cell_number(s01["达标率"]) == Decimal("75.5")          # 0.755 shown as 76%, read exactly
    assert cell_number(s01["得分"]) == Decimal("12.5")            # 0.00"%" quotes the sign: not a percent
    assert cell_number(s01["满意度"]) == Decimal("85")            # the text 85% (its cell formatted 0%)
    assert cell_number(s01["金额"]) == Decimal("1234.5")          # a number stored as text
    assert cell_number(s02["完成率"]) == Decimal("100")
    assert str(cell_number(s02["完成率"])) == "100"               # not 1E+2
    assert str(cell_number(s01["达标率"])) == "75.5"              # not 75.500
    assert cell_number(s02["达标率"]) == Decimal("10")
    assert cell_number(s02["得分"]) == Decimal("7")
    assert cell_number(s02["满意度"]) == Decimal("70")            # full-width digits and sign
    assert cell_number(s02["金额"]) == Decimal("99")
    # Text, blanks and booleans in percent-formatted cells stay what they are.
    assert s03["完成率"] == "不适用" and s03["达标率"] is None and s03["满意度"] is None
    assert s03["金额"] is True and not isinstance(s03["金额"], PercentCell)
    assert cell_number(s03["得分"]) == Decimal("0.5")


def test_a_percent_cell_is_still_a_float_and_shows_its_percent():
    table = read_table(open_workbook(stats_xlsx(), "统计.xlsx"), STATS_COLUMNS, allow_extra_columns=True)
    value = table.rows[0].extra["完成率"]
    assert isinstance(value, PercentCell) and isinstance(value, float) and value == 0.643
    assert cell_text(value) == display_value(value) == "64.3%"
    assert cell_text(table.rows[1].extra["完成率"]) == "100%"
    assert not isinstance(table.rows[0].extra["得分"], PercentCell)
    problem = table.problem(table.rows[0], "完成率", "超出范围", value)
    assert problem.value == "64.3%"


def test_the_grid_is_anchored_at_a1_when_the_data_starts_further_in():
    data = xlsx([[None] * 2] * 4 + [[None, None, "单位代码", "完成率"], [None, None, "S01", 0.25]],
                {"D6": "0.00%"})
    workbook = open_workbook(data, "偏移.xlsx")
    grid = workbook.sheets["统计数据"]
    assert len(grid) == 6 and grid[4][2] == "单位代码" and grid[5][2] == "S01"
    assert isinstance(grid[5][3], PercentCell)
    table = read_table(workbook, STATS_COLUMNS, allow_extra_columns=True)
    assert (table.header_row, table.extra_headers) == (5, [("完成率", "D")])
    assert cell_number(table.rows[0].extra["完成率"]) == Decimal("25")


def test_percent_cells_are_found_on_the_sheet_they_belong_to():
    book = OpenpyxlWorkbook()
    first = book.active
    first.title = "板块"
    first.append(["名称", "权重"])
    first.append(["绩效考核", 0.6])
    second = book.create_sheet("指标")
    second.append(["代码", "完成率"])
    second.append(["E01", 0.6])
    second["B2"].number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    # The workbook lists its sheets in another order than their parts: names go through relationships.
    data = rewrite_part(buffer.getvalue(), "xl/workbook.xml", lambda xml: re.sub(
        rb"(<sheet [^>]*/>)(<sheet [^>]*/>)", rb"\2\1", xml))
    workbook = open_workbook(data, "方案.xlsx")
    assert list(workbook.sheets) == ["指标", "板块"]
    assert not isinstance(workbook.sheets["板块"][1][1], PercentCell)
    assert cell_number(workbook.sheets["板块"][1][1]) == Decimal("0.6")
    assert cell_number(workbook.sheets["指标"][1][1]) == Decimal("60")


@pytest.mark.parametrize(("code", "percent"), [
    ("0%", True), ("0.00%", True), ("0.0%;[Red]-0.0%", True), ("#,##0.0%", True), ('0.0%"以上"', True),
    ('0.00"%"', False), ("0.0\\%", False), ("0_%", False), ("0*%", False), ("[$%-804]0.00", False),
    ("General", False), ("0.00", False), ("", False), (None, False),
])
def test_which_number_format_codes_are_percentages(code, percent):
    assert is_percent_format(code) is percent


# --- The golden .xls ----------------------------------------------------------------------------


def test_the_golden_xls_reads_percent_cells_as_the_percent_shown():
    path = SAMPLES / "stats_S06.xls"
    assert path.is_file(), f"the golden sample {path} is missing"
    workbook = open_workbook(path.read_bytes(), path.name)
    table = read_table(workbook, STATS_COLUMNS, allow_extra_columns=True)
    rows = {cell_text(row.values["unit_code"]): row for row in table.rows}
    e06 = next(header for header, _letter in table.extra_headers if header.startswith("E06"))
    assert table.extra_column(e06)[1] == "E"
    assert cell_number(rows["S01"].extra[e06]) == Decimal("75.5")
    assert cell_number(rows["S02"].extra[e06]) == Decimal("97.9")
    assert rows["S09"].extra[e06] is None  # the blank cell is a missing value
    e02 = next(header for header, _letter in table.extra_headers if header.startswith("E02"))
    assert cell_number(rows["S01"].extra[e02]) == Decimal("553.8")  # a plain number is not scaled


# --- Percent cells in .ods ----------------------------------------------------------------------

_ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
    '<table:table table:name="统计数据">'
    '<table:table-column table:number-columns-repeated="4"/>'
    '<table:table-row><table:table-cell office:value-type="string"><text:p>统计数据</text:p></table:table-cell>'
    "</table:table-row>"
    '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="4"/>'
    "</table:table-row>"
    "<table:table-row>{header}</table:table-row>"
    "<table:table-row>{s01}</table:table-row>"
    '<table:table-row table:number-rows-repeated="2">{repeated}</table:table-row>'
    # The trailing empty rows LibreOffice writes, claiming the rest of the sheet.
    '<table:table-row table:number-rows-repeated="1048570">'
    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def text_cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_bytes() -> bytes:
    """A minimal valid .ods written by hand (no LibreOffice needed): mimetype first and stored."""
    content = _ODS_CONTENT.format(
        header=text_cell("单位代码") + text_cell("完成率") + text_cell("人数") + text_cell("满意度"),
        s01=text_cell("S01")
        + '<table:table-cell office:value-type="percentage" office:value="0.643"><text:p>64.3%</text:p>'
        "</table:table-cell>"
        '<table:table-cell office:value-type="float" office:value="0.643"><text:p>0.643</text:p></table:table-cell>'
        + text_cell("85%"),
        repeated=text_cell("S02")
        + '<table:table-cell table:number-columns-repeated="3" office:value-type="percentage" office:value="0.5">'
        "<text:p>50%</text:p></table:table-cell>",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_ods_percentage_cells_read_as_the_percent_shown():
    data = ods_bytes()
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0] == "mimetype"
    table = read_table(open_workbook(data, "统计.ods"), STATS_COLUMNS, allow_extra_columns=True)
    assert table.header_row == 4
    assert [cell_text(row.values["unit_code"]) for row in table.rows] == ["S01", "S02", "S02"]
    s01, s02, s02_again = (row.extra for row in table.rows)
    assert cell_number(s01["完成率"]) == Decimal("64.3")
    assert cell_number(s01["人数"]) == Decimal("0.643")  # a float cell is not a percentage
    assert cell_number(s01["满意度"]) == Decimal("85")
    for row in (s02, s02_again):  # repeated rows and repeated cells are each a percentage
        assert [cell_number(row[key]) for key in ("完成率", "人数", "满意度")] == [Decimal("50")] * 3


# --- Files that are refused ---------------------------------------------------------------------


def test_a_doctype_in_a_part_is_refused():
    data = rewrite_part(xlsx([["单位代码"], ["S01"]]), "xl/workbook.xml", lambda xml: re.sub(
        rb"^(<\?xml[^>]*\?>)?", lambda match: (match[0] or b"") + b'<!DOCTYPE x [<!ENTITY a "b">]>', xml, count=1))
    assert "文件包含不允许的 XML 实体声明，已拒绝" in rejection(data, "统计.xlsx")


def test_a_doctype_hidden_below_a_comment_at_the_top_of_a_sheet_is_refused():
    padding = b"<!--" + b"x" * 5000 + b"-->"
    data = rewrite_part(xlsx([["单位代码", "完成率"], ["S01", 0.5]], {"B2": "0%"}), "xl/worksheets/sheet1.xml",
                        lambda xml: xml.replace(b"<worksheet", padding + b"<!DOCTYPE worksheet><worksheet", 1))
    assert "文件包含不允许的 XML 实体声明，已拒绝" in rejection(data, "统计.xlsx")


def test_a_prolog_padded_beyond_what_office_software_writes_is_refused():
    padding = b"<!--" + b"x" * 70_000 + b"-->"
    data = rewrite_part(xlsx([["单位代码", "完成率"], ["S01", 0.5]]), "xl/worksheets/sheet1.xml",
                        lambda xml: xml.replace(b"<worksheet", padding + b"<!DOCTYPE worksheet><worksheet", 1))
    assert "文件内部结构异常（XML 声明部分过长或不完整），已拒绝" in rejection(data, "统计.xlsx")


def test_unreadable_formats_refuse_the_file_without_crashing():
    data = rewrite_part(xlsx([["单位代码", "完成率"], ["S01", 0.5]], {"B2": "0%"}), "xl/styles.xml",
                        lambda xml: xml.replace(b'<xf numFmtId="9"', b'<xf numFmtId="percent"', 1))
    assert "无法读取单元格格式：文件可能已损坏" in rejection(data, "统计.xlsx")


def test_a_zip_bomb_is_refused():
    buffer = io.BytesIO(xlsx([["单位代码"], ["S01"]]))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", bytes(30 * 1024 * 1024))
    assert "文件解压后异常庞大，疑似压缩炸弹，已拒绝" in rejection(buffer.getvalue(), "统计.xlsx")


def test_a_wrong_extension_is_refused():
    assert "只接受 .xlsx、.xls 或 .ods 格式的表格文件" in rejection(xlsx([["单位代码"]]), "统计.csv")


def test_an_xls_name_on_zip_content_is_refused():
    assert "文件扩展名是 .xls，但内容不是 Excel 97-2003 工作簿" in rejection(xlsx([["单位代码"]]), "统计.xls")
