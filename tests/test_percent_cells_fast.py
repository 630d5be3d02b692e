"""The fast search for percent-formatted .xlsx cells (a regular expression over the sheet's bytes) finds
exactly the cells the streaming expat pass finds, on files written by openpyxl, by LibreOffice and by hand
(single quotes, namespace prefixes, spaces around "="), and leaves to expat what it cannot be sure of."""

from __future__ import annotations

import io
import os
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from python_calamine import CalamineWorkbook

from assessment.workbooks import (
    PercentCell,
    _mark_xlsx_sheet,
    _mark_xlsx_sheet_fast,
    _xlsx_percent_styles,
    cell_number,
    open_workbook,
)
from tests.office_files import Formula, Percent, Sheet, Text, fods_text, libreoffice_files, soffice_path

Grids = dict[str, list[list[object]]]

# --- Reading one file both ways -------------------------------------------------------------------------


def calamine_grids(data: bytes) -> Grids:
    """The grids open_workbook reads before it marks percent cells."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def sheet_parts(data: bytes) -> dict[str, str]:
    """Sheet name → the zip part holding it, through the workbook's relationships."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        relationships = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {element.get("Id"): posixpath.normpath(posixpath.join("xl", element.get("Target"))).lstrip("/")
               for element in relationships}  # posixpath.join keeps an absolute target (openpyxl's) as it is
    parts = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet"):
            rel_id = next(value for key, value in element.attrib.items() if key.endswith("}id"))
            parts[element.get("name")] = targets[rel_id]
    return parts


def percent_styles(data: bytes) -> frozenset[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return _xlsx_percent_styles(ET.fromstring(archive.read("xl/styles.xml")))


def both_ways(data: bytes) -> tuple[Grids, Grids, dict[str, bool]]:
    """The grids marked by the fast pass and by expat, and whether the fast pass was sure of each sheet."""
    styles = percent_styles(data)
    fast, slow, sure = calamine_grids(data), calamine_grids(data), {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name, part in sheet_parts(data).items():
            sure[name] = _mark_xlsx_sheet_fast(archive.read(part), styles, fast[name])
            with archive.open(part) as stream:
                _mark_xlsx_sheet(stream, styles, slow[name])
    return fast, slow, sure


def typed(grids: Grids) -> dict[str, list[list[tuple[str, object]]]]:
    """Grids compared with each value's type: 0.5 and PercentCell(0.5) are equal floats."""
    return {name: [[(type(value).__name__, value) for value in row] for row in grid] for name, grid in grids.items()}


def percent_positions(grids: Grids) -> dict[str, set[str]]:
    return {name: {f"{_letters(col)}{row + 1}" for row, cells in enumerate(grid)
                   for col, value in enumerate(cells) if isinstance(value, PercentCell)}
            for name, grid in grids.items()}


def _letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, remainder = divmod(col - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- 1. A workbook written by openpyxl --------------------------------------------------------------------


def openpyxl_workbook() -> bytes:
    book = OpenpyxlWorkbook()
    first = book.active
    first.title = "统计数据"
    first.append(["单位代码", "单位名称", "完成率", "达标率", "得分", "满意度", "备注", "是否达标"])
    first.append(["S01", "示例街道1", 0.643, 0.755, 12.5, 0.9, "不适用", True])
    first.append(["S02", "示例街道2", 1, 0.1, 7, 0.25, "85%", False])
    for row in (2, 3):
        first[f"C{row}"].number_format = "0.0%"      # a custom format
        first[f"D{row}"].number_format = "0%"        # built-in format 9
        first[f"E{row}"].number_format = '0.00"%"'   # the sign quoted: not a percentage
        first[f"F{row}"].number_format = "0.00%"     # built-in format 10
        first[f"G{row}"].number_format = "0%"        # text in a percent cell
        first[f"H{row}"].number_format = "0.00%"     # a boolean in a percent cell
    second = book.create_sheet("第二表")
    second.append(["代码", 0.5])
    second["AB7"] = 0.375
    second["AB7"].number_format = "0.00%"
    second["C3"] = 2
    second["C3"].number_format = "0%"
    third = book.create_sheet("无百分比")
    third.append(["代码", 0.5, 0.25])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


OPENPYXL_PERCENT_CELLS = {
    "统计数据": {"C2", "D2", "F2", "C3", "D3", "F3"},
    "第二表": {"AB7", "C3"},
    "无百分比": set(),
}


def test_the_openpyxl_file_really_uses_built_in_and_custom_percent_formats():
    with zipfile.ZipFile(io.BytesIO(openpyxl_workbook())) as archive:
        styles = archive.read("xl/styles.xml")
    assert b'numFmtId="9"' in styles and b'numFmtId="10"' in styles
    assert b'formatCode="0.0%"' in styles and b'formatCode="0.00&quot;%&quot;"' in styles


def test_the_fast_pass_marks_exactly_the_cells_expat_marks_in_an_openpyxl_file():
    fast, slow, sure = both_ways(openpyxl_workbook())
    assert sure == {"统计数据": True, "第二表": True, "无百分比": True}
    assert typed(fast) == typed(slow)
    assert percent_positions(fast) == OPENPYXL_PERCENT_CELLS
    sheet = fast["统计数据"]
    assert sheet[1][6] == "不适用" and sheet[1][7] is True and sheet[2][7] is False  # left as they are
    assert not isinstance(sheet[1][4], PercentCell)                                # 0.00"%"


# --- 2. A file written by hand -----------------------------------------------------------------------------

SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
PACKAGE_RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="{SML}" xmlns:r="{RELATIONSHIPS}">
<x:sheets><x:sheet name="手写" sheetId="1" r:id="rId1"/></x:sheets>
</x:workbook>"""
WORKBOOK_RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>
</Relationships>"""
# Style 0 is General, 1 is 0.00% (built in), 2 is 0.0% (custom), 3 is 0.00"%" (not a percentage).
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:styleSheet xmlns:x="{SML}">
<x:numFmts count="2">
 <x:numFmt numFmtId="164" formatCode="0.0%"/>
 <x:numFmt numFmtId="165" formatCode="0.00&quot;%&quot;"/>
</x:numFmts>
<x:fonts count="1"><x:font><x:sz val="11"/><x:name val="Calibri"/></x:font></x:fonts>
<x:fills count="1"><x:fill><x:patternFill patternType="none"/></x:fill></x:fills>
<x:borders count="1"><x:border/></x:borders>
<x:cellStyleXfs count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellStyleXfs>
<x:cellXfs count="4">
 <x:xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
 <x:xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
 <x:xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
 <x:xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</x:cellXfs>
</x:styleSheet>"""


def hand_made_xlsx(sheet_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELATIONSHIPS)
        archive.writestr("xl/styles.xml", STYLES)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def worksheet(rows: str, *, declarations: str = f'xmlns:x="{SML}"', body: str = "") -> str:
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f"<x:worksheet {declarations} xmlns:foo='urn:example:foo'>{body}<x:sheetData>{rows}</x:sheetData>"
            "</x:worksheet>")


# Single quotes, spaces around "=", s before r, a ">" in a quoted value, attributes that are not s.
HAND_MADE_ROWS = """
<x:row r='1'>
  <x:c r = 'A1' s = '1' ><x:v>0.643</x:v></x:c>
  <x:c s="2"
       r="B1" t = "n"><x:v>0.25</x:v></x:c>
  <x:c r='C1' s='3'><x:v>12.5</x:v></x:c>
  <x:c r='D1' foo:s='1'><x:v>0.5</x:v></x:c>
  <x:c r='E1' xs='1' s='0'><x:v>0.5</x:v></x:c>
  <x:c r='F1' foo:note='1 > 0 s="1"' s='0'><x:v>0.5</x:v></x:c>
  <x:c r='G1' foo:note="a > b" s='1'><x:v>0.75</x:v></x:c>
  <x:c r='H1' s='1' t='inlineStr'><x:is><x:t>s='1' &amp; &lt;x:c r='A9' s='1'&gt;</x:t></x:is></x:c>
  <x:c r='I1' s='1'/>
</x:row>
<x:row r='2'><x:c r='AA2' s='2'><x:v>1</x:v></x:c><x:c r='AB2' s='11'><x:v>0.5</x:v></x:c></x:row>
"""


def test_the_fast_pass_reads_single_quotes_namespace_prefixes_and_spaces_like_expat():
    data = hand_made_xlsx(worksheet(HAND_MADE_ROWS))
    fast, slow, sure = both_ways(data)
    assert sure == {"手写": True}
    assert typed(fast) == typed(slow)
    assert percent_positions(fast) == {"手写": {"A1", "B1", "G1", "AA2"}}
    grid = fast["手写"]
    assert grid[0][2] == 12.5 and not isinstance(grid[0][2], PercentCell)  # style 3: 0.00"%"
    assert grid[0][7] == "s='1' & <x:c r='A9' s='1'>"                   # text that looks like a cell


def test_a_sheet_in_the_default_namespace_with_the_same_cells_reads_the_same():
    unprefixed = HAND_MADE_ROWS.replace("<x:", "<").replace("</x:", "</")
    data = hand_made_xlsx(worksheet(unprefixed, declarations=f'xmlns="{SML}" xmlns:x="urn:example:other"')
                          .replace("<x:worksheet", "<worksheet").replace("</x:worksheet", "</worksheet")
                          .replace("<x:sheetData>", "<sheetData>").replace("</x:sheetData>", "</sheetData>"))
    fast, slow, sure = both_ways(data)
    assert sure == {"手写": True}
    assert typed(fast) == typed(slow)
    assert percent_positions(fast) == {"手写": {"A1", "B1", "G1", "AA2"}}


# --- 3. What the fast pass leaves to expat -----------------------------------------------------------------

UNSURE_SHEETS = {
    # B1's place follows from A1 before it.
    "a percent cell without r": (
        worksheet("<x:row r='1'><x:c r='A1'><x:v>1</x:v></x:c><x:c s='1'><x:v>0.5</x:v></x:c>"
                  "<x:c r='C1' s='1'><x:v>0.25</x:v></x:c></x:row>"),
        {"B1", "C1"}),
    "a comment": (
        worksheet("<x:row r='1'><!-- <x:c r='A1' s='1'> --><x:c r='A1'><x:v>0.5</x:v></x:c>"
                  "<x:c r='B1' s='1'><x:v>0.25</x:v></x:c></x:row>"),
        {"B1"}),
    "a CDATA section": (
        worksheet("<x:row r='1'><x:c r='A1' t='inlineStr'><x:is><x:t><![CDATA[<x:c r='B1' s='1'>]]></x:t></x:is>"
                  "</x:c><x:c r='B1'><x:v>0.5</x:v></x:c><x:c r='C1' s='1'><x:v>0.25</x:v></x:c></x:row>"),
        {"C1"}),
    "a processing instruction": (
        worksheet("<x:row r='1'><?note <x:c r='A1' s='1'>?><x:c r='A1'><x:v>0.5</x:v></x:c>"
                  "<x:c r='B1' s='1'><x:v>0.25</x:v></x:c></x:row>"),
        {"B1"}),
    "a character reference": (
        worksheet("<x:row r='1'><x:c r='A1' s='&#49;'><x:v>0.5</x:v></x:c>"
                  "<x:c r='B1' s='1'><x:v>0.25</x:v></x:c></x:row>"),
        {"A1", "B1"}),
    "the prefix bound again further in": (
        worksheet("<x:row r='1'><x:c r='A1' s='1'><x:v>0.5</x:v></x:c></x:row>",
                  body="<foo:extra xmlns:x='urn:example:other'><x:c r='B1' s='1'/></foo:extra>"),
        {"A1"}),
    "the spreadsheet namespace under a second prefix": (
        worksheet("<x:row r='1'><y:c xmlns:y='" + SML + "' r='A1' s='1'><y:v>0.5</y:v></y:c>"
                  "<x:c r='B1' s='1'><x:v>0.25</x:v></x:c></x:row>"),
        {"A1", "B1"}),
}


@pytest.mark.parametrize("case", list(UNSURE_SHEETS))
def test_the_fast_pass_declines_what_it_cannot_be_sure_of_and_expat_reads_it(case):
    sheet_xml, expected = UNSURE_SHEETS[case]
    data = hand_made_xlsx(sheet_xml)
    untouched = calamine_grids(data)
    grids = calamine_grids(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        part = archive.read("xl/worksheets/sheet1.xml")
    assert _mark_xlsx_sheet_fast(part, percent_styles(data), grids["手写"]) is False
    assert typed(grids) == typed(untouched)  # nothing marked when it declines
    workbook = open_workbook(data, "手写.xlsx")
    assert percent_positions(workbook.sheets) == {"手写": expected}


# --- 4. End to end -----------------------------------------------------------------------------------------


def test_open_workbook_reads_the_openpyxl_file_with_its_percent_cells():
    workbook = open_workbook(openpyxl_workbook(), "统计.xlsx")
    assert percent_positions(workbook.sheets) == OPENPYXL_PERCENT_CELLS
    first = workbook.sheets["统计数据"]
    assert [cell_number(value) for value in first[1][2:6]] == [
        Decimal("64.3"), Decimal("75.5"), Decimal("12.5"), Decimal("90")]
    assert [cell_number(value) for value in first[2][2:6]] == [
        Decimal("100"), Decimal("10"), Decimal("7"), Decimal("25")]
    assert cell_number(workbook.sheets["第二表"][6][27]) == Decimal("37.5")
    assert cell_number(workbook.sheets["第二表"][2][2]) == Decimal("200")
    assert cell_number(workbook.sheets["无百分比"][0][1]) == Decimal("0.5")


# --- 5. A workbook written by LibreOffice ------------------------------------------------------------------

LIBREOFFICE_SHEETS = [
    Sheet([["单位代码", "完成率", "达标率", "增速", "备注"],
           ["Z1", Percent(0.643), Percent(1.05, decimals=0), 12.5, Text("85%")],
           ["Z2", Formula("43/50", 0.86, percent_decimals=1), Percent(0.1234, decimals=2), Formula("C3/2", 0.0617),
            "不适用"]], name="统计数据"),
    Sheet([["代码", "权重"], ["E01", Percent(0.6, decimals=0)], ["E02", 0.4]], name="指标"),
]


@pytest.fixture(scope="module")
def libreoffice_xlsx(tmp_path_factory) -> bytes:
    if soffice_path() is None:
        message = "LibreOffice (soffice) is not installed: .ci/run installs libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    written = libreoffice_files({"percent": fods_text(LIBREOFFICE_SHEETS)}, tmp_path_factory.mktemp("libreoffice"),
                                formats=("xlsx",))
    return written["percent"]["xlsx"]


def test_the_fast_pass_marks_exactly_the_cells_expat_marks_in_a_libreoffice_file(libreoffice_xlsx):
    fast, slow, sure = both_ways(libreoffice_xlsx)
    assert sure == {"统计数据": True, "指标": True}
    assert typed(fast) == typed(slow)
    assert percent_positions(fast) == {"统计数据": {"B2", "C2", "B3", "C3"}, "指标": {"B2"}}
    assert cell_number(fast["统计数据"][2][1]) == Decimal("86")
