"""A period's unit results as a flat table, for Excel (.csv with a BOM, or .xlsx).

Numbers keep full precision (display rounding is the page's business, SPEC §4); a missing value is
a blank cell. The header uses stable English names, plus one column per component name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from assessment.analysis.numbers import rounded
from assessment.models import Component, Period, Track, UnitResult
from core.spreadsheets.formula_guard import formula_safe

LEADING_COLUMNS = ("unit_code", "unit_name", "track")
TRAILING_COLUMNS = ("bonus", "penalty", "total", "rank", "tier", "rank_change")


@dataclass
class ResultsTable:
    header: list[str]
    rows: list[list[object]]


def find_period(scheme_name: str, code: str) -> Period | None:
    """The period ``code`` of the scheme named ``scheme_name`` (the latest year when the name repeats)."""
    return (Period.objects.filter(scheme__name=scheme_name, code=code.strip().upper())
            .select_related("scheme").order_by("-scheme__year").first())


def _component_score(result: UnitResult, component: Component) -> float | None:
    score = result.component_scores.get(str(component.pk))
    if score is None and component.is_performance:
        return result.performance  # the performance score is also kept in its own column
    return score


def period_results_table(period: Period) -> ResultsTable:
    """One row per unit, ordered by track, rank and unit code; unranked units last in their track."""
    components = list(period.scheme.components.order_by("sort_order", "pk"))
    results = (UnitResult.objects.filter(period=period).select_related("unit", "track")
               .order_by("track__sort_order", "track__code", F("rank").asc(nulls_last=True), "unit__code"))
    rows = [
        [result.unit.code, result.unit.name, result.track.code,
         *(_component_score(result, component) for component in components),
         result.bonus, result.penalty, result.total, result.rank, result.tier, result.rank_change]
        for result in results
    ]
    return ResultsTable(header=[*LEADING_COLUMNS, *(c.name for c in components), *TRAILING_COLUMNS], rows=rows)


def results_csv_bytes(table: ResultsTable) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    # csv writes floats with repr(), which is their full precision; None becomes a blank cell.
    writer.writerows([formula_safe(value) for value in row] for row in table.rows)
    # The byte order mark is how Excel knows the file is UTF-8 and shows the Chinese names.
    return buffer.getvalue().encode("utf-8-sig")


def results_xlsx_bytes(table: ResultsTable, title: str = "results") -> bytes:
    book = Workbook()
    worksheet = book.active
    worksheet.title = title[:31]
    worksheet.append(table.header)
    for row in table.rows:
        worksheet.append([formula_safe(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXPORT_FORMATS: dict[str, Callable[[ResultsTable], bytes]] = {".csv": results_csv_bytes, ".xlsx": results_xlsx_bytes}


# --- The circular (通报): the ranking as the office sends it out, ready to print --------------------

CIRCULAR_FONT = "宋体"
CIRCULAR_HEADING_FONT = "黑体"
CIRCULAR_NUMBER_FORMAT = "0.00"
CIRCULAR_HEADER_ROW = 3
_CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(number: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十: the numbering of a circular's sections (一、乡镇)."""
    tens, ones = divmod(number, 10)
    if number < 10:
        return _CHINESE_DIGITS[number]
    return (_CHINESE_DIGITS[tens] if tens > 1 else "") + "十" + (_CHINESE_DIGITS[ones] if ones else "")


def period_label(period: Period) -> str:
    """The period as a circular names it: 2024 → 2024年度, 2024H1 → 2024年上半年, 2024Q3 → 2024年第三季度,
    2024-07 → 2024年7月; any other code as it is."""
    match = re.match(r"^(\d{4})(?:(H[12])|Q([1-4])|-(\d{1,2}))?$", period.code)
    if not match:
        return period.code
    year, half, quarter, month = match.groups()
    if half:
        return (_("%(year)s年上半年") if half == "H1" else _("%(year)s年下半年")) % {"year": year}
    if quarter:
        quarters = {1: _("%(year)s年第一季度"), 2: _("%(year)s年第二季度"), 3: _("%(year)s年第三季度"),
                    4: _("%(year)s年第四季度")}
        return quarters[int(quarter)] % {"year": year}
    if month:
        return _("%(year)s年%(month)d月") % {"year": year, "month": int(month)}
    return _("%(year)s年度") % {"year": year}


def circular_title(period: Period) -> str:
    return _("%(scheme)s%(period)s结果通报") % {"scheme": period.scheme.name, "period": period_label(period)}


def circular_filename(period: Period) -> str:
    return f"{circular_title(period)}.xlsx"


def _rank_change_text(change: int | None) -> str:
    if change is None:
        return "—"
    if change > 0:
        return _("进%(places)d位") % {"places": change}
    if change < 0:
        return _("退%(places)d位") % {"places": -change}
    return _("持平")


def circular_sections(period: Period) -> list[tuple[Track, list[UnitResult]]]:
    """Each track of the scheme, in its order, with its units' results by rank (unranked last)."""
    results = (UnitResult.objects.filter(period=period).select_related("unit", "track")
               .order_by("track__sort_order", "track__code", F("rank").asc(nulls_last=True), "unit__code"))
    sections: dict[int, tuple[Track, list[UnitResult]]] = {}
    for result in results:
        sections.setdefault(result.track_id, (result.track, []))[1].append(result)
    return list(sections.values())


def circular_xlsx_bytes(period: Period) -> bytes:
    """The period's ranking as an official circular: a merged title, one section per track under one
    header (名次 单位 总分 each component 加分 扣分 等次 进位情况 备注), thin borders, Chinese fonts, two
    decimals, and an A4 landscape page that fits the width and repeats the header on every page.
    Every text cell goes through ``formula_safe``: unit names come from spreadsheets."""
    scheme = period.scheme
    components = list(scheme.components.order_by("sort_order", "pk"))
    sections = circular_sections(period)
    header = [_("名次"), _("单位"), _("总分"), *(f"{c.name}\n（{c.weight.normalize():f}%）" for c in components),
              _("加分"), _("扣分"), _("等次"), _("进位情况"), _("备注")]
    width = len(header)
    last = get_column_letter(width)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name=CIRCULAR_FONT, size=11)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    book = Workbook()
    sheet = book.active
    sheet.title = _("通报")

    def put(row: int, column: int, value, *, font=body_font, alignment=centre, number_format=None, boxed=True):
        cell = sheet.cell(row=row, column=column, value=formula_safe(value))
        cell.font = font
        cell.alignment = alignment
        if number_format:
            cell.number_format = number_format
        if boxed:
            cell.border = border
        return cell

    put(1, 1, circular_title(period), font=Font(name=CIRCULAR_HEADING_FONT, size=18, bold=True), boxed=False)
    sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 40
    units = sum(len(results) for _track, results in sections)
    subtitle = _("共%(units)d个单位，分%(tracks)d个赛道排名") % {"units": units, "tracks": len(sections)}
    if period.published_at:
        subtitle += _("；发布日期：%(date)s") % {"date": timezone.localdate(period.published_at).isoformat()}
    else:
        subtitle += _("（未发布，仅供内部审核）")
    put(2, 1, subtitle, font=Font(name=CIRCULAR_FONT, size=11), alignment=Alignment(horizontal="right"),
        boxed=False)
    sheet.merge_cells(f"A2:{last}2")

    heading_font = Font(name=CIRCULAR_HEADING_FONT, size=11, bold=True)
    for column, name in enumerate(header, start=1):
        put(CIRCULAR_HEADER_ROW, column, name, font=heading_font).fill = PatternFill("solid", fgColor="F2F2F2")
    sheet.row_dimensions[CIRCULAR_HEADER_ROW].height = 36

    row = CIRCULAR_HEADER_ROW
    for number, (track, results) in enumerate(sections, start=1):
        row += 1
        # Chinese numbers sections 一、二、…; other languages 1, 2, ….
        ordinal = chinese_ordinal(number) if (get_language() or "zh").startswith("zh") else str(number)
        put(row, 1, _("%(ordinal)s、%(track)s（%(units)d个单位）") % {
            "ordinal": ordinal, "track": track.name, "units": len(results)},
            font=heading_font,
            alignment=Alignment(horizontal="left", vertical="center"))
        for column in range(2, width + 1):
            put(row, column, None)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        for result in results:
            row += 1
            scores = [_component_score(result, component) for component in components]
            notes = "、".join(str(note) for flag, note in ((result.vetoed, _("一票否决")), (result.affirmed, _("一票肯定")))
                             if flag)
            # A circular holds what was ranked: totals rounded half up to two decimals (SPEC §5), so that
            # tied units show the same total, and the scores as printed (the results export keeps full precision).
            values = [result.rank, result.unit.name, rounded(result.total), *(rounded(s) for s in scores),
                      rounded(result.bonus) or None, rounded(result.penalty) or None, scheme.tier_name(result.tier) or "—",
                      _rank_change_text(result.rank_change), notes]
            for column, value in enumerate(values, start=1):
                is_score = 3 <= column <= 5 + len(components)
                put(row, column, value, number_format=CIRCULAR_NUMBER_FORMAT if is_score else None,
                    alignment=Alignment(horizontal="left", vertical="center") if column == 2 else centre)
            sheet.cell(row=row, column=1).number_format = "0"

    widths = [7, 30, 10, *([12] * len(components)), 8, 8, 11, 10, 14]
    for column, column_width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = column_width
    sheet.freeze_panes = sheet.cell(row=CIRCULAR_HEADER_ROW + 1, column=1)

    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{CIRCULAR_HEADER_ROW}:{CIRCULAR_HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.oddFooter.center.text = _("第 &P 页，共 &N 页")
    sheet.oddFooter.center.font = CIRCULAR_FONT

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
