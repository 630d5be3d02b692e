"""Building real spreadsheet files for import tests (read back by the product's own reader)."""

from __future__ import annotations

import io

from openpyxl import Workbook

ROSTER_HEADER = ["身份证号", "姓名", "性别", "出生日期", "单位代码", "职务", "类别", "任职时间", "职级"]


def xlsx_bytes(rows: list[list[object]], *, sheet: str = "Sheet1", title: str | None = None,
               text_columns: tuple[int, ...] = ()) -> bytes:
    book = Workbook()
    worksheet = book.active
    worksheet.title = sheet
    if title:
        worksheet.append([title])
        worksheet.append([])
    for row in rows:
        worksheet.append(row)
    for column in text_columns:
        for cells in worksheet.iter_rows(min_col=column + 1, max_col=column + 1):
            cells[0].number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A real multi-sheet .xlsx, one sheet per entry, in order (xlsx_bytes writes one sheet only)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        worksheet = book.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster_xlsx(rows: list[list[object]], title: str | None = "干部名册") -> bytes:
    return xlsx_bytes([ROSTER_HEADER, *rows], sheet="干部名册", title=title, text_columns=(0,))


def make_id_number(birth: str, sequence: int, *, male: bool = True, region: str = "439901") -> str:
    """A valid ID number for a birth date 'YYYYMMDD'; the sequence's last digit is odd for men."""
    from cadres.id_numbers import check_character

    body = f"{region}{birth}{sequence:02d}{(1 if male else 2) + (sequence % 4) * 2}"
    return body + check_character(body)
