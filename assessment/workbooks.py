"""Reading office spreadsheets (.xlsx, .xls, .ods) defensively into header-mapped rows.

Every import in the product (cadre roster, statistics, component scores, supervision records)
goes read → normalise → validate → commit; this module is the first step. It checks the file
before handing it to the parser (type, size, compression ratio, XML entity declarations), finds
the header row the way SPEC §9 describes it (the first row whose first non-blank cell is the
first column's name), and keeps each cell's sheet, row and column so that every problem can be
reported where the user will find it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

ACCEPTED_EXTENSIONS = (".xlsx", ".xls", ".ods")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A spreadsheet compresses well, but not a thousandfold: beyond these a file is a decompression bomb.
MAX_COMPRESSION_RATIO = 200
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
_ENTITY_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class Severity:
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, located as precisely as it can be."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    column_letter: str = ""
    value: str = ""
    severity: str = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("工作表“%(sheet)s”") % {"sheet": self.sheet})
        if self.row is not None:
            parts.append(_("第%(row)d行") % {"row": self.row})
        if self.column:
            if self.column_letter:
                parts.append(_("“%(column)s”列（%(letter)s列）") % {"column": self.column, "letter": self.column_letter})
            else:
                parts.append(_("“%(column)s”列") % {"column": self.column})
        return " ".join(parts)

    def __str__(self) -> str:
        location = self.location()
        found = _("（读到的值：%(value)s）") % {"value": self.value} if self.value else ""
        return f"{location}：{self.message}{found}" if location else f"{self.message}{found}"


class WorkbookRejected(Exception):
    """The file cannot be read at all; ``problems`` says why."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = list(problems)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class ColumnSpec:
    """A column the import understands: its key, Chinese header and accepted aliases."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def matches(self, text: str) -> bool:
        wanted = normalise_header(text)
        return wanted in {normalise_header(name) for name in (self.header, self.key, *self.aliases)}


@dataclass
class SheetRow:
    number: int  # 1-based, as Excel shows it
    values: dict[str, object]
    # Cells under headers that no ColumnSpec names, keyed by the header as written (for sheets whose
    # columns are data, such as one column per indicator). Blank cells are None.
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class SheetTable:
    sheet: str
    header_row: int
    columns: dict[str, tuple[str, str]]  # key → (header as written, column letter)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)  # unknown (header, letter)
    rows: list[SheetRow] = field(default_factory=list)
    layout_warnings: list[Problem] = field(default_factory=list)

    def extra_column(self, header: str) -> tuple[str, str]:
        letter = next((letter for text, letter in self.extra_headers if text == header), "")
        return header, letter

    def problem(self, row: SheetRow | None, key: str, message: str, value: object = "",
                severity: str = Severity.ERROR) -> Problem:
        header, letter = self.columns.get(key) or self.extra_column(key)
        return Problem(
            message=message, sheet=self.sheet, row=row.number if row else None, column=header,
            column_letter=letter, value=display_value(value), severity=severity,
        )


def normalise_header(text: object) -> str:
    value = "" if text is None else str(text)
    # Full-width spaces and stray line breaks are common in headers typed in WPS or Excel.
    return re.sub(r"[\s\u3000]+", "", value).lower()


def display_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


# --- Opening a file safely ------------------------------------------------------------------


def check_upload(data: bytes, filename: str) -> None:
    """Refuse files that are not spreadsheets or that would hurt the parser."""
    lowered = filename.lower()
    if not lowered.endswith(ACCEPTED_EXTENSIONS):
        raise WorkbookRejected([Problem(_("只接受 .xlsx、.xls 或 .ods 格式的表格文件"), value=filename)])
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise WorkbookRejected([Problem(
            _("文件大小为%(size).1f MB，超过了%(limit)d MB的上限") % {
                "size": len(data) / 1024 / 1024, "limit": limit // 1024 // 1024}
        )])
    if not data:
        raise WorkbookRejected([Problem(_("文件是空的"))])
    if lowered.endswith(".xls"):
        if not data.startswith(_OLE_MAGIC):
            raise WorkbookRejected([Problem(_("文件扩展名是 .xls，但内容不是 Excel 97-2003 工作簿"))])
        return
    if not data.startswith(_ZIP_MAGIC):
        raise WorkbookRejected([Problem(_("文件扩展名是 %(ext)s，但内容不是有效的表格文件") % {
            "ext": lowered.rsplit(".", 1)[-1]})])
    _check_zip_container(data)


def _check_zip_container(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise WorkbookRejected([Problem(_("文件已损坏，无法打开"))]) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise WorkbookRejected([Problem(_("文件内部结构异常（包含的部件过多），已拒绝"))])
        total = sum(entry.file_size for entry in entries)
        compressed = max(1, sum(entry.compress_size for entry in entries))
        if total > MAX_UNCOMPRESSED_BYTES or total / compressed > MAX_COMPRESSION_RATIO:
            raise WorkbookRejected([Problem(_("文件解压后异常庞大，疑似压缩炸弹，已拒绝"))])
        for entry in entries:
            if entry.filename.lower().endswith((".xml", ".rels")):
                with archive.open(entry) as part:
                    # Declarations sit at the top of a part; office software never writes entities.
                    if _ENTITY_DECLARATION.search(part.read(4096)):
                        raise WorkbookRejected([Problem(_("文件包含不允许的 XML 实体声明，已拒绝"))])


@dataclass
class Workbook:
    filename: str
    sheets: dict[str, list[list[object]]]

    def sheet(self, names: Iterable[str]) -> tuple[str, list[list[object]]] | None:
        wanted = {normalise_header(name) for name in names}
        for name, grid in self.sheets.items():
            if normalise_header(name) in wanted:
                return name, grid
        return None

    def first_sheet(self) -> tuple[str, list[list[object]]]:
        name = next(iter(self.sheets))
        return name, self.sheets[name]


def open_workbook(data: bytes, filename: str) -> Workbook:
    """Check and parse a spreadsheet; every sheet becomes a grid anchored at cell A1."""
    check_upload(data, filename)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {}
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            if sheet.height > settings.UPLOAD_MAX_ROWS + 50 or sheet.width > settings.UPLOAD_MAX_COLUMNS:
                raise WorkbookRejected([Problem(
                    _("工作表有%(rows)d行、%(columns)d列，超过了每表%(max_rows)d行、%(max_columns)d列的上限") % {
                        "rows": sheet.height, "columns": sheet.width,
                        "max_rows": settings.UPLOAD_MAX_ROWS, "max_columns": settings.UPLOAD_MAX_COLUMNS},
                    sheet=name,
                )])
            sheets[name] = sheet.to_python(skip_empty_area=False)
    except WorkbookRejected:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise WorkbookRejected([Problem(_("无法读取文件：文件可能已损坏或被加密"))]) from exc
    if not sheets:
        raise WorkbookRejected([Problem(_("文件中没有工作表"))])
    return Workbook(filename=filename, sheets=sheets)


# --- Finding the header and reading rows ------------------------------------------------------


def read_table(
    workbook: Workbook,
    columns: Sequence[ColumnSpec],
    *,
    sheet_names: Sequence[str] = (),
    allow_extra_columns: bool = False,
) -> SheetTable:
    """Map a sheet's rows onto ``columns``. Raises WorkbookRejected when the layout is unusable."""
    found = workbook.sheet(sheet_names) if sheet_names else None
    if found is None and sheet_names and len(workbook.sheets) > 1:
        raise WorkbookRejected([Problem(
            _("找不到名为“%(sheet)s”的工作表（文件中的工作表：%(names)s）") % {
                "sheet": sheet_names[0], "names": "、".join(workbook.sheets)}
        )])
    sheet_name, grid = found or workbook.first_sheet()
    first = columns[0]

    header_index = None
    for index, row in enumerate(grid):
        first_value = next((cell for cell in row if not is_blank(cell)), None)
        if first_value is not None and first.matches(str(first_value)):
            header_index = index
            break
    if header_index is None:
        raise WorkbookRejected([Problem(
            _("找不到表头：应有一行以“%(header)s”开头") % {"header": first.header}, sheet=sheet_name)])

    mapped: dict[str, tuple[str, str]] = {}
    positions: dict[str, int] = {}
    extra: list[tuple[str, str]] = []
    extra_positions: dict[str, int] = {}
    problems: list[Problem] = []
    for col_index, cell in enumerate(grid[header_index]):
        if is_blank(cell):
            continue
        text = str(cell).strip()
        spec = next((spec for spec in columns if spec.matches(text)), None)
        letter = column_letter(col_index)
        if spec is None:
            if text in extra_positions:
                problems.append(Problem(_("表头重复"), sheet=sheet_name, row=header_index + 1, column=text,
                                        column_letter=letter))
                continue
            extra.append((text, letter))
            extra_positions[text] = col_index
        elif spec.key in positions:
            problems.append(Problem(_("表头重复"), sheet=sheet_name, row=header_index + 1, column=text,
                                    column_letter=letter))
        else:
            mapped[spec.key] = (text, letter)
            positions[spec.key] = col_index
    for spec in columns:
        if spec.required and spec.key not in positions:
            problems.append(Problem(_("缺少必需的列“%(header)s”") % {"header": spec.header},
                                    sheet=sheet_name, row=header_index + 1))
    if extra and not allow_extra_columns:
        for text, letter in extra:
            problems.append(Problem(_("无法识别的列"), sheet=sheet_name, row=header_index + 1, column=text,
                                    column_letter=letter, severity=Severity.WARNING))
    if any(problem.is_error for problem in problems):
        raise WorkbookRejected(problems)

    table = SheetTable(sheet=sheet_name, header_row=header_index + 1, columns=mapped, extra_headers=extra,
                       layout_warnings=problems)
    data_rows = grid[header_index + 1:]
    if len(data_rows) > settings.UPLOAD_MAX_ROWS:
        raise WorkbookRejected([Problem(_("数据超过%(max)d行的上限") % {"max": settings.UPLOAD_MAX_ROWS},
                                        sheet=sheet_name)])
    def cells(row, wanted: dict[str, int]) -> dict[str, object]:
        found = {key: (row[position] if position < len(row) else None) for key, position in wanted.items()}
        return {key: (None if is_blank(value) else value) for key, value in found.items()}

    for offset, row in enumerate(data_rows):
        values = cells(row, positions)
        extra_values = cells(row, extra_positions) if allow_extra_columns else {}
        if all(value is None for value in values.values()) and all(v is None for v in extra_values.values()):
            continue  # blank rows are skipped
        table.rows.append(SheetRow(number=header_index + offset + 2, values=values, extra=extra_values))
    return table


# --- Cell conversions -------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be read as what the column needs; the message is for the user."""


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return display_value(value)
    return str(value).strip()


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def cell_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number arrives as its Excel serial number.
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("不是有效的日期"))
    text = cell_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError as exc:
                raise CellError(_("不是有效的日期")) from exc
    raise CellError(_("不是有效的日期，请写成 2024-03-01 的形式"))


def cell_number(value: object) -> Decimal:
    """Numbers, numbers stored as text, thousands separators; '85%' text is 85 (SPEC §9)."""
    if isinstance(value, bool):
        raise CellError(_("不是数字"))
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = cell_text(value).replace(",", "").replace("，", "").replace("\u3000", "").replace(" ", "")
    percent = text.endswith(("%", "％"))
    if percent:
        text = text[:-1]
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(_("不是数字")) from exc
    if not number.is_finite():
        raise CellError(_("不是数字"))
    return number
