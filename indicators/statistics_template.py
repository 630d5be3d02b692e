"""The statistics template (统计数据模板, SPEC §9) a provider department downloads, fills in and uploads.

The workbook has three sheets:

- ``统计数据``: a title row, the header row (单位代码, 单位名称, one ``CODE 名称`` column per indicator
  the department provides, then a ``目标:CODE`` column per indicator scored against a target), and one
  row per unit of the scheme, pre-filled with the values already stored, so that uploading the file
  unchanged changes nothing;
- ``填报说明``: how to fill it in, and the department's indicators with their scoring rules;
- ``_模板信息``: a very hidden key/value sheet saying which scheme, period and department the file was
  made for, so that an upload can be checked against it (``read_template_marker``).

The sheet name, the fixed headers, the ``目标:`` prefix, the not-applicable word and the marker keys are
the file format (what ``indicators.statistics_import`` reads), so they are literal Chinese and never
translated: a template downloaded in the English interface must still read back.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook as XlsxWorkbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assessment.models import Indicator, Method, Period, Statistic, TrackMembership
from assessment.workbooks import Workbook, cell_text
from cadres.models import Unit
from core.spreadsheets.formula_guard import formula_safe
from indicators.models import ImportMode
from indicators.statistics_import import FIXED_COLUMNS, SHEET_NAMES

TEMPLATE_VERSION = 1

DATA_SHEET = SHEET_NAMES[0]  # 统计数据
INSTRUCTIONS_SHEET = "填报说明"
MARKER_SHEET = "_模板信息"
UNIT_CODE_HEADER = FIXED_COLUMNS[0].header  # 单位代码
UNIT_NAME_HEADER = FIXED_COLUMNS[1].header  # 单位名称
TARGET_HEADER_PREFIX = "目标:"
NOT_APPLICABLE_TEXT = "不适用"

# The marker's keys, in the order they are written.
MARKER_TEMPLATE = "模板"
MARKER_VERSION = "模板版本"
MARKER_SCHEME_ID = "方案ID"
MARKER_SCHEME_NAME = "方案名称"
MARKER_YEAR = "年度"
MARKER_PERIOD = "周期"
MARKER_DEPARTMENT = "部门"
MARKER_INDICATORS = "指标"
MARKER_GENERATED_AT = "生成时间"

# The methods that read a unit's own target (assessment.scoring._resolve_targets).
TARGET_METHODS = frozenset({Method.TARGET, Method.THRESHOLD})

TITLE_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
_TARGET_HEADER_FILL = PatternFill("solid", start_color="FFF2CC")
# Grey marks the cells the provider must leave as they are (the unit's code and name).
_READ_ONLY_FILL = PatternFill("solid", start_color="D9D9D9")
_CENTERED = Alignment(horizontal="center", vertical="center")
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_TEXT_FORMAT = "@"
_UNSAFE_FILENAME_CHARACTERS = re.compile(r'[\\/:*?"<>|\s]+')


def statistics_template_filename(period: Period, department: Unit) -> str:
    name = _("统计数据模板_%(period)s_%(department)s.xlsx") % {"period": period.code, "department": department.code}
    return _UNSAFE_FILENAME_CHARACTERS.sub("-", name.removesuffix(".xlsx")) + ".xlsx"


def provided_indicators(period: Period, department: Unit) -> list[Indicator]:
    """The indicators ``department`` provides in the period's scheme, in the order the template shows them."""
    return list(
        Indicator.objects.filter(scheme=period.scheme, provider=department)
        .select_related("dimension")
        .order_by("dimension__sort_order", "dimension__pk", "sort_order", "code")
    )


def statistics_template_bytes(period: Period, department: Unit) -> bytes:
    """The .xlsx a department fills in for ``period``, pre-filled with the values already stored."""
    scheme = period.scheme
    indicators = provided_indicators(period, department)
    target_indicators = [indicator for indicator in indicators if indicator.method in TARGET_METHODS]
    units = [
        membership.unit
        for membership in TrackMembership.objects.filter(scheme=scheme).select_related("unit", "track")
        .order_by("track__sort_order", "track__code", "unit__code")
    ]
    statistics = {
        (statistic.unit_id, statistic.indicator_id): statistic
        for statistic in Statistic.objects.filter(period=period, indicator__in=indicators)
    }

    book = XlsxWorkbook()
    data_sheet = book.active
    data_sheet.title = DATA_SHEET
    _write_data_sheet(data_sheet, period, department, indicators, target_indicators, units, statistics)
    _write_instructions(book.create_sheet(INSTRUCTIONS_SHEET), indicators)
    _write_marker(book.create_sheet(MARKER_SHEET), period, department, indicators)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_template_marker(workbook: Workbook) -> dict[str, str] | None:
    """The key → value pairs of the template's hidden marker sheet, or None for a file without one.

    calamine lists very hidden sheets in ``sheet_names`` like any other (checked with python-calamine
    0.9.1, and by the tests), so ``open_workbook`` keeps the marker sheet in its grids.
    """
    found = workbook.sheet((MARKER_SHEET,))
    if found is None:
        return None
    marker: dict[str, str] = {}
    for row in found[1]:
        if not row:
            continue
        key = cell_text(row[0])
        if key:
            # cell_text renders a float such as 1.0 as "1", in case the file was re-saved with numbers.
            marker[key] = cell_text(row[1]) if len(row) > 1 else ""
    return marker


# --- The data sheet ---------------------------------------------------------------------------


def _cell_number(value: Decimal | None) -> int | float | None:
    # A number cell, never text, so that Excel sums it and the reader sees a number; 85.00000000 shows as 85.
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _display_width(text: str) -> int:
    # A CJK character takes about two Latin characters' width in Excel and WPS.
    return sum(2 if ord(character) > 0x2E7F else 1 for character in text)


def _column_width(texts: list[str], minimum: int = 10, maximum: int = 40) -> int:
    return max(minimum, min(maximum, max((_display_width(text) for text in texts), default=0) + 2))


def _write_data_sheet(sheet: Worksheet, period: Period, department: Unit, indicators: list[Indicator],
                      target_indicators: list[Indicator], units: list[Unit],
                      statistics: dict[tuple[int, int], Statistic]) -> None:
    value_headers = [f"{indicator.code} {indicator.name}" for indicator in indicators]
    target_headers = [f"{TARGET_HEADER_PREFIX}{indicator.code}" for indicator in target_indicators]
    header = [UNIT_CODE_HEADER, UNIT_NAME_HEADER, *value_headers, *target_headers]
    last_column = len(header)

    title = _("%(scheme)s %(period)s 统计数据填报表 · %(department)s") % {
        "scheme": period.scheme.name, "period": period.code, "department": department.name}
    title_cell = sheet.cell(row=TITLE_ROW, column=1, value=title)
    title_cell.font = _TITLE_FONT
    title_cell.alignment = _CENTERED
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last_column)
    sheet.row_dimensions[TITLE_ROW].height = 24

    for column, text in enumerate(header, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=text)
        cell.font = _BOLD
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = _TARGET_HEADER_FILL if column > 2 + len(indicators) else _HEADER_FILL
    sheet.cell(row=HEADER_ROW, column=1).fill = _READ_ONLY_FILL
    sheet.cell(row=HEADER_ROW, column=2).fill = _READ_ONLY_FILL

    for row, unit in enumerate(units, start=FIRST_DATA_ROW):
        for column, text in ((1, unit.code), (2, unit.name)):
            cell = sheet.cell(row=row, column=column, value=formula_safe(text))
            cell.fill = _READ_ONLY_FILL
            cell.number_format = _TEXT_FORMAT  # a code such as 001 must stay text
        for offset, indicator in enumerate(indicators):
            statistic = statistics.get((unit.pk, indicator.pk))
            if statistic is None:
                continue
            value = NOT_APPLICABLE_TEXT if statistic.not_applicable else _cell_number(statistic.value)
            sheet.cell(row=row, column=3 + offset, value=value)
        for offset, indicator in enumerate(target_indicators):
            statistic = statistics.get((unit.pk, indicator.pk))
            if statistic is not None and statistic.target is not None:
                sheet.cell(row=row, column=3 + len(indicators) + offset, value=_cell_number(statistic.target))

    if units:
        last_row = FIRST_DATA_ROW + len(units) - 1
        for offset, indicator in enumerate(indicators):
            sheet.add_data_validation(_value_validation(indicator, 3 + offset, last_row))
        for offset, indicator in enumerate(target_indicators):
            sheet.add_data_validation(_target_validation(indicator, 3 + len(indicators) + offset, last_row))

    # Below the header and right of the unit's name, so both stay in view while scrolling.
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=3)
    sheet.column_dimensions["A"].width = _column_width([UNIT_CODE_HEADER, *(unit.code for unit in units)], 12, 20)
    sheet.column_dimensions["B"].width = _column_width([UNIT_NAME_HEADER, *(unit.name for unit in units)], 14, 40)
    for column, text in enumerate(header[2:], start=3):
        sheet.column_dimensions[get_column_letter(column)].width = _column_width([text], 12, 30)
    sheet.row_dimensions[HEADER_ROW].height = 30


def _value_validation(indicator: Indicator, column: int, last_row: int) -> DataValidation:
    letter = get_column_letter(column)
    first = f"{letter}{FIRST_DATA_ROW}"  # relative: Excel shifts it to each cell of the range
    number = f"ISNUMBER({first})" if indicator.may_be_negative else f"AND(ISNUMBER({first}),{first}>=0)"
    words = {"not_applicable": NOT_APPLICABLE_TEXT}
    if indicator.may_be_negative:
        error = _("请填写数字；不适用的填写“%(not_applicable)s”；没有数据请留空。") % words
    else:
        error = _("请填写不小于0的数字；不适用的填写“%(not_applicable)s”；没有数据请留空。") % words
    measure = _("（单位：%(measure)s）") % {"measure": indicator.measure} if indicator.measure else ""
    prompt = _("%(code)s %(name)s%(measure)s：填写数字，不适用填“%(not_applicable)s”，无数据留空。") % {
        "code": indicator.code, "name": indicator.name, "measure": measure, **words}
    validation = DataValidation(
        type="custom", formula1=f'OR({number},{first}="{NOT_APPLICABLE_TEXT}")', allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle=_("输入的内容无效"), error=error[:255],
        showInputMessage=True, promptTitle=_("填写提示")[:32], prompt=prompt[:255],
    )
    validation.add(f"{first}:{letter}{last_row}")
    return validation


def _target_validation(indicator: Indicator, column: int, last_row: int) -> DataValidation:
    letter = get_column_letter(column)
    first = f"{letter}{FIRST_DATA_ROW}"
    validation = DataValidation(
        type="custom", formula1=f"ISNUMBER({first})", allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle=_("输入的内容无效"),
        error=_("目标值请填写数字；留空表示使用默认目标值。"),
        showInputMessage=True, promptTitle=_("填写提示")[:32],
        prompt=(_("%(code)s的单位目标值；留空表示使用默认目标值。") % {"code": indicator.code})[:255],
    )
    validation.add(f"{first}:{letter}{last_row}")
    return validation


# --- The instructions -------------------------------------------------------------------------


def _instruction_lines() -> list[str]:
    words = {"code": UNIT_CODE_HEADER, "name": UNIT_NAME_HEADER, "not_applicable": NOT_APPLICABLE_TEXT,
             "target": TARGET_HEADER_PREFIX, "sheet": DATA_SHEET}
    return [
        _("1. 在“%(sheet)s”工作表中填写，每行是一个被考核单位，每个指标一列。") % words,
        _("2. 请勿修改“%(code)s”“%(name)s”两列（灰色）和表头，也不要增加、删除或调换列。") % words,
        _("3. 某单位不适用某项指标时，在该单元格填写“%(not_applicable)s”。") % words,
        _("4. 没有数据的单元格请留空（表示暂无数据）。上传时可选择导入方式：%(merge)s，或%(replace)s。") % {
            "merge": ImportMode.MERGE.label, "replace": ImportMode.REPLACE.label},
        _("5. 数值按单元格显示的数字读取：设为百分比格式的单元格按显示的百分数读取（显示85%%即85），"
          "文本“85%%”也读作85。请按指标的计量单位填写。") % words,
        _("6. “%(target)s代码”列填写该单位的目标值，留空表示使用指标的默认目标值。") % words,
        _("7. 表中已预填系统中现有的数据，不作修改直接上传不会改变任何数据。"),
    ]


def _write_instructions(sheet: Worksheet, indicators: list[Indicator]) -> None:
    sheet.cell(row=1, column=1, value=_("填报说明")).font = _TITLE_FONT
    row = 2
    # Each line sits in column A and overflows across the empty cells to its right: no merged cells,
    # whose row height neither Excel nor WPS fits to wrapped text.
    for line in _instruction_lines():
        sheet.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value=_("本部门填报的指标")).font = _BOLD
    row += 1
    if not indicators:
        sheet.cell(row=row, column=1,
                   value=_("本部门在本考核方案中没有需要填报的指标，模板中只有“%(code)s”“%(name)s”两列。") % {
                       "code": UNIT_CODE_HEADER, "name": UNIT_NAME_HEADER})
        _set_widths(sheet)
        return
    headers = [_("代码"), _("名称"), _("维度"), _("计量单位"), _("方向"), _("评分方法"), _("默认目标值"), _("评分标准")]
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=column, value=text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    for indicator in indicators:
        row += 1
        values = [indicator.code, indicator.name, indicator.dimension.name, indicator.measure or None,
                  str(indicator.get_direction_display()), str(indicator.get_method_display()),
                  _cell_number(indicator.target), indicator.criteria or None]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value).alignment = _WRAPPED
    _set_widths(sheet)


def _set_widths(sheet: Worksheet) -> None:
    for letter, width in zip("ABCDEFGH", (10, 24, 14, 10, 8, 12, 12, 60), strict=True):
        sheet.column_dimensions[letter].width = width


# --- The marker -------------------------------------------------------------------------------


def _write_marker(sheet: Worksheet, period: Period, department: Unit, indicators: list[Indicator]) -> None:
    scheme = period.scheme
    entries = [
        (MARKER_TEMPLATE, DATA_SHEET),
        (MARKER_VERSION, TEMPLATE_VERSION),
        (MARKER_SCHEME_ID, scheme.pk),
        (MARKER_SCHEME_NAME, scheme.name),
        (MARKER_YEAR, scheme.year),
        (MARKER_PERIOD, period.code),
        (MARKER_DEPARTMENT, department.code),
        (MARKER_INDICATORS, ",".join(indicator.code for indicator in indicators)),
        (MARKER_GENERATED_AT, timezone.localtime().isoformat(timespec="seconds")),
    ]
    for row, (key, value) in enumerate(entries, start=1):
        for column, text in ((1, key), (2, str(value))):
            cell = sheet.cell(row=row, column=column, value=text)
            cell.number_format = _TEXT_FORMAT
    # Very hidden: Excel and WPS offer no "unhide" for it, so a provider cannot change it by accident;
    # calamine still lists it (see read_template_marker).
    sheet.sheet_state = "veryHidden"
