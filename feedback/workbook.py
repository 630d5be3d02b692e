"""The feedback report as an Excel sheet laid out like the paper form (反馈单), and the summary sheet
of a period's zip.

One sheet, six columns, printed on A4 portrait fitted to the page width. Long texts sit in merged
cells whose row height is estimated from the text, because Excel does not grow merged rows by itself
and a clipped comment on paper is a comment lost. Every text cell goes through ``formula_safe``.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from core.spreadsheets.formula_guard import formula_safe
from feedback.reports import FeedbackReport

# 序号, then five columns whose widths add up to a portrait A4 line at 11 pt.
COLUMN_WIDTHS = (6, 16, 30, 26, 12, 11)
LAST_COLUMN = len(COLUMN_WIDTHS)
FONT_NAME = "宋体"
LINE_HEIGHT = 15.0  # points per line of 11-pt text
SCORE_FORMAT = "0.00"
INTEGER_FORMAT = "0"
CHANGE_FORMAT = "+0;-0;0"
DATE_FORMAT = "yyyy-mm-dd"

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_SECTION_FILL = PatternFill("solid", fgColor="E7E6E6")
_WRAP = Alignment(wrap_text=True, vertical="center")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def display_width(text: str) -> float:
    """Columns a text takes in a cell. Widths count the default font's digit; an 11-pt Chinese character
    is a little over two of them, and erring wide costs a blank line where erring narrow clips text."""
    return sum(2.2 if unicodedata.east_asian_width(char) in ("W", "F") else 1.1 for char in text)


def lines_needed(text: str, width: float) -> int:
    usable = max(width - 2, 1)  # the cell's own padding
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in (text or "").split("\n"))


@dataclass(frozen=True)
class Cell:
    """A value spread over columns ``first``..``last`` (1-based) of one row."""

    value: object
    first: int
    last: int
    number_format: str | None = None
    label: bool = False
    align: Alignment = _WRAP


class PaperForm:
    """Writes a sheet row by row the way the form reads, growing each row to fit its longest text."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.row = 0
        for index, width in enumerate(COLUMN_WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width

    def _span_width(self, first: int, last: int) -> float:
        return sum(COLUMN_WIDTHS[first - 1:last])

    def write(self, cells: Sequence[Cell], *, bordered: bool = True, font: Font | None = None,
              fill: PatternFill | None = None, min_height: float = LINE_HEIGHT + 3) -> int:
        self.row += 1
        height = min_height
        for spec in cells:
            value = formula_safe(spec.value)
            cell = self.sheet.cell(row=self.row, column=spec.first, value=value)
            cell.alignment = spec.align
            cell.font = font or Font(name=FONT_NAME, size=11, bold=spec.label)
            if spec.number_format:
                cell.number_format = spec.number_format
            if spec.label:
                cell.fill = _LABEL_FILL
            if fill is not None:
                cell.fill = fill
            if spec.last > spec.first:
                self.sheet.merge_cells(start_row=self.row, start_column=spec.first, end_row=self.row,
                                       end_column=spec.last)
            if bordered:
                for column in range(spec.first, spec.last + 1):
                    self.sheet.cell(row=self.row, column=column).border = _BORDER
            if isinstance(value, str):
                lines = lines_needed(value, self._span_width(spec.first, spec.last))
                height = max(height, lines * LINE_HEIGHT + 4)
        self.sheet.row_dimensions[self.row].height = height
        return self.row

    def blank(self, height: float = 8) -> None:
        self.row += 1
        self.sheet.row_dimensions[self.row].height = height

    def section(self, title: str) -> None:
        self.write([Cell(title, 1, LAST_COLUMN)], font=Font(name=FONT_NAME, size=12, bold=True),
                   fill=_SECTION_FILL)

    def numbered(self, texts: Iterable[str], empty: str) -> None:
        texts = list(texts)
        if not texts:
            self.write([Cell(empty, 1, LAST_COLUMN)])
        for number, text in enumerate(texts, start=1):
            self.write([Cell(number, 1, 1, INTEGER_FORMAT, align=_CENTER), Cell(text, 2, LAST_COLUMN)])

    def header(self, cells: Sequence[Cell]) -> None:
        self.write([Cell(c.value, c.first, c.last, label=True, align=_CENTER) for c in cells])


def _fill_report(form: PaperForm, report: FeedbackReport) -> None:
    period, unit, result = report.period, report.unit, report.result
    title_font = Font(name=FONT_NAME, size=18, bold=True)
    form.write([Cell(_("考核反馈单"), 1, LAST_COLUMN, align=_CENTER)], bordered=False, font=title_font,
               min_height=30)
    form.write([Cell(_("%(scheme)s · %(period)s") % {"scheme": period.scheme.name, "period": period.code},
                     1, LAST_COLUMN, align=_CENTER)], bordered=False)
    form.blank()

    form.write([Cell(_("单位名称"), 1, 2, label=True), Cell(unit.name, 3, 3),
                Cell(_("单位代码"), 4, 4, label=True), Cell(unit.code, 5, LAST_COLUMN)])
    form.write([Cell(_("赛道"), 1, 2, label=True), Cell(report.track_name or "—", 3, 3),
                Cell(_("总分"), 4, 4, label=True),
                Cell(result.total if result else None, 5, LAST_COLUMN, SCORE_FORMAT)])
    form.write([Cell(_("赛道名次"), 1, 2, label=True), Cell(result.rank if result else None, 3, 3, INTEGER_FORMAT),
                Cell(_("赛道单位数"), 4, 4, label=True), Cell(report.track_size, 5, LAST_COLUMN, INTEGER_FORMAT)])
    form.write([Cell(_("等次"), 1, 2, label=True), Cell(report.tier_name or "—", 3, 3),
                Cell(_("进位（较上年名次变化）"), 4, 4, label=True),
                Cell(result.rank_change if result else None, 5, LAST_COLUMN, CHANGE_FORMAT)])
    form.write([Cell(_("绩效得分"), 1, 2, label=True),
                Cell(result.performance if result else None, 3, 3, SCORE_FORMAT),
                Cell(_("加分 / 扣分"), 4, 4, label=True),
                Cell(result.bonus if result else None, 5, 5, SCORE_FORMAT),
                Cell(-result.penalty if result and result.penalty else (0 if result else None), 6, 6,
                     SCORE_FORMAT)])
    form.write([Cell(_("进位情况"), 1, 2, label=True), Cell(report.progress_text, 3, LAST_COLUMN)])
    if result is None:
        form.write([Cell(_("本周期还没有该单位的计算结果。"), 1, LAST_COLUMN)])
    form.blank()

    form.section(_("一、长项"))
    form.numbered(report.strengths, _("无（维度不足或没有高于赛道中位数的维度）"))
    form.section(_("二、短板"))
    form.numbered(report.weaknesses, _("无（维度不足或没有低于赛道中位数的维度）"))

    form.section(_("三、扣分情况"))
    form.header([Cell(_("序号"), 1, 1), Cell(_("类别"), 2, 2), Cell(_("事由"), 3, 5), Cell(_("分值"), 6, 6)])
    number = 0
    for adjustment in report.penalties:
        number += 1
        form.write([Cell(number, 1, 1, INTEGER_FORMAT, align=_CENTER), Cell(adjustment.category, 2, 2),
                    Cell(adjustment.reason, 3, 5), Cell(float(adjustment.points), 6, 6, SCORE_FORMAT)])
    for veto in report.vetoes:
        number += 1
        reason = f"{veto.veto_item.name}：{veto.reason}" if veto.veto_item else veto.reason
        form.write([Cell(number, 1, 1, INTEGER_FORMAT, align=_CENTER), Cell(_("一票否决"), 2, 2),
                    Cell(reason, 3, 5), Cell(_("定为第三等次"), 6, 6)])
    if not number:
        form.write([Cell(_("无扣分和一票否决事项"), 1, LAST_COLUMN)])

    form.section(_("四、失分较多的指标"))
    form.header([Cell(_("序号"), 1, 1), Cell(_("指标"), 2, 3), Cell(_("维度"), 4, 4), Cell(_("分值"), 5, 5),
                 Cell(_("失分"), 6, 6)])
    for number, lost in enumerate(report.lost_points, start=1):
        name = f"{lost.code} {lost.name}" + (_("（缺失）") if lost.missing else "")
        form.write([Cell(number, 1, 1, INTEGER_FORMAT, align=_CENTER), Cell(name, 2, 3), Cell(lost.dimension, 4, 4),
                    Cell(lost.weight, 5, 5, SCORE_FORMAT), Cell(lost.lost, 6, 6, SCORE_FORMAT)])
    if not report.lost_points:
        form.write([Cell(_("各项指标均得满分"), 1, LAST_COLUMN)])

    form.section(_("五、考核办反馈意见"))
    comments = report.note.comments if report.note else _("（尚未填写）")
    form.write([Cell(comments, 1, LAST_COLUMN, align=_WRAP_TOP)], min_height=3 * LINE_HEIGHT)

    form.section(_("六、整改事项"))
    form.header([Cell(_("序号"), 1, 1), Cell(_("存在问题"), 2, 3), Cell(_("整改要求"), 4, 4),
                 Cell(_("整改期限"), 5, 5), Cell(_("状态"), 6, 6)])
    for number, line in enumerate(report.rectifications, start=1):
        status = line.item.get_status_display() + (_("（逾期）") if line.overdue else "")
        problem = f"[{line.item.get_source_display()}] {line.item.problem}"
        form.write([Cell(number, 1, 1, INTEGER_FORMAT, align=_CENTER), Cell(problem, 2, 3),
                    Cell(line.item.requirement, 4, 4), Cell(line.item.deadline, 5, 5, DATE_FORMAT, align=_CENTER),
                    Cell(status, 6, 6, align=_CENTER)])
    if not report.rectifications:
        form.write([Cell(_("无整改事项"), 1, LAST_COLUMN)])

    form.blank(16)
    form.write([Cell(_("考核办（盖章）"), 4, LAST_COLUMN, align=Alignment(horizontal="right"))], bordered=False)
    form.write([Cell(_("生成日期"), 4, 4, align=Alignment(horizontal="right")),
                Cell(report.generated_on or timezone.localdate(), 5, LAST_COLUMN, DATE_FORMAT,
                     align=Alignment(horizontal="right"))], bordered=False)


def _print_setup(sheet: Worksheet, last_row: int) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.6, right=0.6, top=0.7, bottom=0.7, header=0.3, footer=0.3)
    sheet.print_area = f"A1:{get_column_letter(LAST_COLUMN)}{last_row}"
    sheet.oddFooter.center.text = _("第 &P 页，共 &N 页")
    sheet.sheet_view.showGridLines = False


def feedback_xlsx(report: FeedbackReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("反馈单")
    form = PaperForm(sheet)
    _fill_report(form, report)
    _print_setup(sheet, form.row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SUMMARY_HEADER = (
    gettext_lazy("单位代码"), gettext_lazy("单位名称"), gettext_lazy("赛道"), gettext_lazy("总分"),
    gettext_lazy("赛道名次"), gettext_lazy("等次"), gettext_lazy("进位"), gettext_lazy("反馈意见"),
    gettext_lazy("整改事项"), gettext_lazy("未完成"), gettext_lazy("逾期"),
)


def summary_xlsx(reports: Iterable[FeedbackReport], title: str) -> bytes:
    """One row per unit of the period: the figures of each report and its items, for the office's file."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("汇总")
    sheet.append([formula_safe(title)])
    sheet["A1"].font = Font(name=FONT_NAME, size=14, bold=True)
    sheet.append([str(header) for header in SUMMARY_HEADER])
    for cell in sheet[2]:
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = _LABEL_FILL
        cell.border = _BORDER
    for report in reports:
        result = report.result
        items = report.rectifications
        sheet.append([formula_safe(value) for value in (
            report.unit.code, report.unit.name, report.track_name,
            result.total if result else None, result.rank if result else None, report.tier_name,
            result.rank_change if result else None, _("已填写") if report.note else _("未填写"),
            len(items), sum(1 for line in items if not line.item.is_finished), sum(1 for line in items if line.overdue),
        )])
        row = sheet.max_row
        sheet.cell(row=row, column=4).number_format = SCORE_FORMAT
        sheet.cell(row=row, column=7).number_format = CHANGE_FORMAT
        sheet.cell(row=row, column=1).number_format = "@"
    for index, width in enumerate((10, 24, 22, 9, 9, 10, 7, 10, 9, 8, 7), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "2:2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
