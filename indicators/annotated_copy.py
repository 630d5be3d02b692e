"""The provider's own file handed back with every problem marked on its cell, so it can be fixed in place."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from assessment.workbooks import Problem, WorkbookRejected, open_workbook

ERROR_FILL = PatternFill("solid", fgColor="F8D7DA")
WARNING_FILL = PatternFill("solid", fgColor="FFF3CD")
PROBLEM_SHEET = "问题清单"
AUTHOR = "考核系统"


def _workbook_from(data: bytes, filename: str):
    """The file itself when it is .xlsx (formatting kept); otherwise its values in a new workbook."""
    if filename.lower().endswith(".xlsx"):
        try:
            return load_workbook(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - a file openpyxl cannot open still gets its problem list
            pass
    book = OpenpyxlWorkbook()
    book.remove(book.active)
    try:
        parsed = open_workbook(data, filename)
    except WorkbookRejected:
        return book
    for name, grid in parsed.sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for row in grid:
            sheet.append([value if isinstance(value, int | float | str) or value is None else str(value)
                          for value in row])
    return book


def annotated_copy(data: bytes, filename: str, problems: list[Problem]) -> bytes:
    book = _workbook_from(data, filename)
    for problem in problems:
        if not (problem.sheet and problem.row and problem.column_letter) or problem.sheet not in book.sheetnames:
            continue
        cell = book[problem.sheet][f"{problem.column_letter}{problem.row}"]
        cell.fill = ERROR_FILL if problem.is_error else WARNING_FILL
        text = problem.message if cell.comment is None else f"{cell.comment.text}\n{problem.message}"
        cell.comment = Comment(text, AUTHOR, width=300, height=120)
    listing = book.create_sheet(PROBLEM_SHEET, 0)
    listing.append([_("级别"), _("工作表"), _("行"), _("列"), _("读到的值"), _("原因")])
    for cell in listing[1]:
        cell.font = Font(bold=True)
    for problem in problems:
        listing.append([_("错误") if problem.is_error else _("提醒"), problem.sheet, problem.row,
                        f"{problem.column}（{problem.column_letter}）" if problem.column_letter else problem.column,
                        problem.value, problem.message])
    for letter, width in zip("ABCDEF", (8, 14, 8, 24, 16, 60), strict=True):
        listing.column_dimensions[letter].width = width
    book.active = 0
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
