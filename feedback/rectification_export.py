"""The rectification list as an Excel sheet, with the same filters as the page."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.spreadsheets.formula_guard import formula_safe
from feedback.models import RectificationItem
from feedback.rectification import days_overdue, is_overdue, latest_updates

HEADER = (
    gettext_lazy("考核周期"), gettext_lazy("单位代码"), gettext_lazy("责任单位"), gettext_lazy("来源"),
    gettext_lazy("存在问题"), gettext_lazy("整改要求"), gettext_lazy("整改期限"), gettext_lazy("状态"),
    gettext_lazy("是否逾期"), gettext_lazy("逾期天数"), gettext_lazy("最新进展"), gettext_lazy("完成日期"),
    gettext_lazy("提出时间"),
)
WIDTHS = (16, 9, 18, 10, 40, 40, 11, 8, 8, 8, 40, 11, 16)
OVERDUE_FILL = PatternFill("solid", fgColor="FCE4E4")


def rectifications_xlsx(items: QuerySet[RectificationItem]) -> bytes:
    today = timezone.localdate()
    items = list(items.select_related("period__scheme", "unit"))
    latest = latest_updates(items)
    book = Workbook()
    sheet = book.active
    sheet.title = _("整改事项")
    sheet.append([str(header) for header in HEADER])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items:
        update = latest.get(item.pk)
        overdue = is_overdue(item, today)
        sheet.append([formula_safe(value) for value in (
            str(item.period), item.unit.code, item.unit.name, item.get_source_display(), item.problem,
            item.requirement, item.deadline, item.get_status_display(), _("是") if overdue else _("否"),
            days_overdue(item, today) if overdue else None, update.note if update else "", item.finished_on,
            timezone.localtime(item.raised_at).replace(tzinfo=None),
        )])
        row = sheet[sheet.max_row]
        row[1].number_format = "@"
        row[6].number_format = row[11].number_format = "yyyy-mm-dd"
        row[9].number_format = "0"
        row[12].number_format = "yyyy-mm-dd hh:mm"
        for column in (4, 5, 10):
            row[column].alignment = Alignment(wrap_text=True, vertical="top")
        if overdue:
            for cell in row:
                cell.fill = OVERDUE_FILL
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
