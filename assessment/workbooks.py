"""Reading office spreadsheets (.xlsx, .xls, .ods) defensively into header-mapped rows.

Every import in the product (cadre roster, statistics, component scores, supervision records)
goes read → normalise → validate → commit; this module is the first step. It checks the file
before handing it to the parser (type, size, compression ratio, XML entity declarations), finds
the header row the way SPEC §9 describes it (the first row whose first non-blank cell is the
first column's name), and keeps each cell's sheet, row and column so that every problem can be
reported where the user will find it.

calamine reads the values but not the number formats, so a cell shown as a percentage is found
separately (from the file's own styles) and arrives in the grid as a ``PercentCell``.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

import xlrd
from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

logger = logging.getLogger(__name__)

ACCEPTED_EXTENSIONS = (".xlsx", ".xls", ".ods")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A spreadsheet compresses well, but not a thousandfold: beyond these a file is a decompression bomb.
MAX_COMPRESSION_RATIO = 200
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
_ENTITY_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# Whitespace, processing instructions and comments: what may stand before the root element.
_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_PROLOG_LIMIT = 64 * 1024


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


@dataclass
class ImportOutcome:
    """What an import found and did; every import's result extends it with its own counts."""

    filename: str
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_error]


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
    if isinstance(value, PercentCell):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _plain_decimal(number: Decimal) -> Decimal:
    """75.500 → 75.5 and 100.0 → 100 (not 1E+2)."""
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0 and number.adjusted() < 27:
        number = number.quantize(Decimal(1))
    return number


class PercentCell(float):
    """A number the sheet shows as a percentage: 0.755 formatted as 0.0% is read as 75.5 (SPEC §9).

    It stays a float (the value stored in the file) so that every other use of the grid keeps working;
    ``cell_number`` reads it as the percent shown and ``cell_text``/``display_value`` show ``75.5%``.
    """

    __slots__ = ()

    def percent(self) -> Decimal:
        return _plain_decimal(Decimal(repr(float(self))) * 100)

    def __str__(self) -> str:
        return f"{self.percent():f}%"


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
                    _check_xml_prolog(part.read(_PROLOG_LIMIT))


def _check_xml_prolog(head: bytes) -> None:
    """Refuse a part that declares a document type or entities ("billion laughs", external
    entities). XML allows declarations only before the root element, so the prolog is all that
    needs reading; office software writes a prolog of one line, so one longer than the limit
    (padding that pushes a declaration out of sight) is refused as well."""
    prolog = _PROLOG.match(head.removeprefix(b"\xef\xbb\xbf"))
    rest = head.removeprefix(b"\xef\xbb\xbf")[prolog.end():]
    if _ENTITY_DECLARATION.match(rest):
        raise WorkbookRejected([Problem(_("文件包含不允许的 XML 实体声明，已拒绝"))])
    if rest and not _ROOT_START.match(rest):
        raise WorkbookRejected([Problem(_("文件内部结构异常（XML 声明部分过长或不完整），已拒绝"))])


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
    """Check and parse a spreadsheet; every sheet becomes a grid anchored at cell A1, in which a number
    formatted as a percentage is a PercentCell."""
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
            # Anchored at A1 even when the first used cell is further down or right (tested).
            sheets[name] = sheet.to_python(skip_empty_area=False)
    except WorkbookRejected:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise WorkbookRejected([Problem(_("无法读取文件：文件可能已损坏或被加密"))]) from exc
    if not sheets:
        raise WorkbookRejected([Problem(_("文件中没有工作表"))])
    try:
        mark_percent_cells(data, sheets)
    except Exception as exc:  # xlrd and a damaged zip part can fail in many ways
        logger.warning("Cannot read the number formats of %r", filename, exc_info=True)
        raise WorkbookRejected([Problem(_("无法读取单元格格式：文件可能已损坏"))]) from exc
    return Workbook(filename=filename, sheets=sheets)


# --- Finding percent-formatted cells ---------------------------------------------------------
#
# calamine gives values without their number formats. SPEC §9 wants a percent cell read as the percent
# shown, so the formats are read from the file itself (cheaply: only cells whose style is a percent
# style are looked at) and those cells are replaced in the grid by PercentCell. Grids are anchored at A1,
# so a cell's (row, column) in the file is its position in the grid.

_SML_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")  # transitional and strict OOXML
# The streaming parsers use expat directly, which names an element "namespace}local".
_SML_CELL = frozenset(f"{ns}}}c" for ns in _SML_NAMESPACES)
_SML_ROW = frozenset(f"{ns}}}row" for ns in _SML_NAMESPACES)
_BUILTIN_PERCENT_FORMATS = frozenset({9, 10})  # 0% and 0.00%

_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TABLE = f"{_ODF_TABLE}table"
_ODS_ROW = f"{_ODF_TABLE}table-row"
_ODS_CELLS = frozenset({f"{_ODF_TABLE}table-cell", f"{_ODF_TABLE}covered-table-cell"})
_ODS_NAME = f"{_ODF_TABLE}name"
_ODS_ROWS_REPEATED = f"{_ODF_TABLE}number-rows-repeated"
_ODS_COLUMNS_REPEATED = f"{_ODF_TABLE}number-columns-repeated"
_ODS_VALUE_TYPE = f"{_ODF_OFFICE}value-type"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def is_percent_format(code: str | None) -> bool:
    r"""Whether an Excel number format code shows a percentage (and so scales the value by 100).

    The ``%`` must not be quoted text (``0.00"%"`` shows the stored number followed by a literal sign),
    escaped (``\%``), the character after ``_`` (a space as wide as it) or ``*`` (a fill), or inside
    ``[...]`` (colours, conditions, locales).
    """
    if not code:
        return False
    index, length = 0, len(code)
    while index < length:
        char = code[index]
        if char == '"':
            closing = code.find('"', index + 1)
            index = length if closing < 0 else closing + 1
            continue
        if char == "[":
            closing = code.find("]", index + 1)
            index = length if closing < 0 else closing + 1
            continue
        if char in "\\_*":
            index += 2
            continue
        if char == "%":
            return True
        index += 1
    return False


def _mark(grid: list[list[object]], row: int, col: int) -> None:
    if 0 <= row < len(grid):
        cells = grid[row]
        if 0 <= col < len(cells):
            value = cells[col]
            # Exact types: not a bool, a date, text or a cell already marked (and faster than isinstance).
            if type(value) is float or type(value) is int:
                cells[col] = PercentCell(value)


def mark_percent_cells(data: bytes, sheets: dict[str, list[list[object]]]) -> None:
    """Replace the numbers shown as percentages in ``sheets`` (calamine's grids of ``data``) by PercentCell.

    The format is told by the content, as calamine tells it (a checked upload is OLE or zip).
    """
    if data.startswith(_OLE_MAGIC):
        _mark_xls(data, sheets)
        return
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIMETYPE:
            _mark_ods(archive, sheets)
        else:
            _mark_xlsx(archive, names, sheets)


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_part(archive: zipfile.ZipFile, name: str) -> ET.Element:
    # check_upload refused entity declarations and oversized parts before calamine read the file.
    with archive.open(name) as part:
        return ET.parse(part).getroot()


def _relationships(archive: zipfile.ZipFile, names: set[str], source: str) -> list[tuple[str, str, str]]:
    """(Id, type, resolved part name) of each internal relationship of the part ``source``."""
    folder, _slash, base = source.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if rels_name not in names:
        return []
    found = []
    for element in _parse_part(archive, rels_name):
        if _local_name(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        target = element.get("Target", "")
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found.append((element.get("Id", ""), element.get("Type", ""), posixpath.normpath(resolved)))
    return found


def _mark_xlsx(archive: zipfile.ZipFile, names: set[str], sheets: dict[str, list[list[object]]]) -> None:
    workbook_part = next((target for _id, kind, target in _relationships(archive, names, "")
                          if kind.endswith("/officeDocument")), "xl/workbook.xml")
    if not workbook_part.endswith(".xml"):
        raise ValueError(f"not a SpreadsheetML workbook: {workbook_part}")  # e.g. .xlsb renamed to .xlsx
    relationships = _relationships(archive, names, workbook_part)
    styles_part = next((target for _id, kind, target in relationships if kind.endswith("/styles")), None)
    if styles_part is None or styles_part not in names:
        return  # no styles, so every cell is General
    percent_styles = _xlsx_percent_styles(_parse_part(archive, styles_part))
    if not percent_styles:
        return  # the common case: nothing to look for, no sheet is parsed

    targets = {rel_id: target for rel_id, _kind, target in relationships}
    for element in _parse_part(archive, workbook_part).iter():
        if _local_name(element.tag) != "sheet":
            continue
        name = element.get("name")
        # The r:id attribute's namespace differs between transitional and strict OOXML.
        rel_id = next((value for key, value in element.attrib.items()
                       if key.startswith("{") and _local_name(key) == "id"), None)
        part = targets.get(rel_id)
        if name not in sheets or part not in names:
            continue
        # Two paths to the same result: a part of ordinary size is read whole and searched by a regular
        # expression, which scans in C and leaves Python only the percent cells (a sixth of expat's time on a
        # province upload); expat, the reference, streams larger parts and what the search cannot be sure of.
        if archive.getinfo(part).file_size <= _FAST_PASS_MAX_BYTES:
            xml = archive.read(part)
            if not _mark_xlsx_sheet_fast(xml, percent_styles, sheets[name]):
                _mark_xlsx_sheet(io.BytesIO(xml), percent_styles, sheets[name])
        else:
            with archive.open(part) as stream:
                _mark_xlsx_sheet(stream, percent_styles, sheets[name])


def _xlsx_percent_styles(styles: ET.Element) -> frozenset[str]:
    """The cell style indexes (as written in ``<c s="…">``) whose number format shows a percentage."""
    codes: dict[int, str] = {}
    percent: set[str] = set()
    for child in styles:
        if _local_name(child.tag) == "numFmts":
            for number_format in child:
                codes[int(number_format.get("numFmtId", "-1"))] = number_format.get("formatCode", "")
    for child in styles:
        if _local_name(child.tag) == "cellXfs":
            for index, xf in enumerate(element for element in child if _local_name(element.tag) == "xf"):
                format_id = int(xf.get("numFmtId", "0"))
                code = codes.get(format_id)  # a workbook may redefine a built-in id
                is_percent = is_percent_format(code) if code is not None else format_id in _BUILTIN_PERCENT_FORMATS
                if is_percent:
                    percent.add(str(index))
    return frozenset(percent)


def _column_index(letters: str) -> int:
    """'A' → 0, 'AD' → 29."""
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise ValueError(f"bad column letters {letters!r}")
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _cell_position(reference: str, columns: dict[str, int]) -> tuple[int, int]:
    """'E3' → (2, 4), 0-based (row, column); ``columns`` caches the letters seen."""
    letters = reference.rstrip("0123456789")
    col = columns.get(letters)
    if col is None:
        col = columns[letters] = _column_index(letters)
    return int(reference[len(letters):]) - 1, col


def _streaming_parser() -> expat.XMLParserType:
    """An expat parser for a large part: callbacks only, no tree, and no DTD (check_upload looked for
    declarations only at the top of each part)."""
    parser = expat.ParserCreate(None, "}")

    def refuse(*_args) -> None:
        raise ValueError("a document type declaration inside a spreadsheet part")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _mark_xlsx_sheet(stream, percent_styles: frozenset[str], grid: list[list[object]]) -> None:
    # A cell's start tag says all that is needed (r, s, t), so only start tags are handled: expat's
    # callbacks cost half of what building and discarding an ElementTree would, and the handler only
    # notes the percent cells' references, resolved afterwards in one loop.
    references: list[str] = []
    implied: list[tuple[int, int]] = []  # cells written without r="…" (rare)
    columns: dict[str, int] = {}  # column letters → index
    row = -1
    last_reference: str | None = None
    since = 0  # a cell without r="…" follows the previous cell of its row

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, last_reference, since
        if name in _SML_CELL:
            reference = attributes.get("r")
            if reference is None:
                since += 1
            else:
                last_reference, since = reference, 0
            if attributes.get("s") in percent_styles and attributes.get("t", "n") == "n":
                if reference is not None:
                    references.append(reference)
                else:
                    previous = _cell_position(last_reference, columns)[1] if last_reference else -1
                    implied.append((row, previous + since))
        elif name in _SML_ROW:
            number = attributes.get("r")
            row = int(number) - 1 if number else row + 1
            last_reference, since = None, 0

    parser = _streaming_parser()
    parser.StartElementHandler = start
    parser.ParseFile(stream)

    for reference in references:
        _mark(grid, *_cell_position(reference, columns))
    for position in implied:
        _mark(grid, *position)


# The fast pass reads the part as bytes, so what it relies on is checked first: a character reference
# (&#…;) could spell an attribute value, and a comment, CDATA section or processing instruction could hold
# text that looks like a tag; a part with any of them is left to expat. Without them every "<" starts a tag,
# so a cell's start tag is found by its name, and its attributes are read whole (a quoted ">" stays in its
# value), so that s= is never taken from inside another attribute or from xs= or x:s=.
_FAST_PASS_MAX_BYTES = 64 * 1024 * 1024  # a larger part is streamed rather than held in memory
_XML_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*\?>")
_XML_ATTRIBUTE = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_XML_ATTRIBUTES = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XML_START_TAG = re.compile(rb"\s*<([^\s/>]+)((?:" + _XML_ATTRIBUTE + rb")*)\s*/?>")
_XML_NAMESPACE_DECLARATION = re.compile(rb"""xmlns(?::([^\s=/>]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attributes(text: bytes) -> dict[bytes, bytes]:
    return {name: double if double is not None else single
            for name, double, single in _XML_ATTRIBUTES.findall(text)}


def _contains(xml: bytes, marker: bytes, start: int = 0) -> bool:
    # Finding one byte is a memchr, so the marker's rarer second byte is looked for first.
    return xml.find(marker[1:], start) >= 0 and xml.find(marker, start) >= 0


def _sml_cell_tags(xml: bytes, start: int) -> list[bytes] | None:
    """The names a cell element has in this part (b'c', b'x:c'), from the namespace declarations of the root
    element at ``start``; None when there is none or a declaration further in could change them."""
    root = _XML_START_TAG.match(xml, start)
    if root is None:
        return None  # e.g. a part in UTF-16, which a search for ASCII bytes cannot read
    prefixes = [name.partition(b":")[2] for name, value in _attributes(root[2]).items()
                if (name == b"xmlns" or name.startswith(b"xmlns:"))
                and value.decode(errors="replace") in _SML_NAMESPACES]
    found = xml.find(b"xmlns", root.end())
    while prefixes and found >= 0:
        inner = _XML_NAMESPACE_DECLARATION.match(xml, found)
        if inner is not None:
            value = inner[2] if inner[2] is not None else inner[3]
            if (inner[1] or b"") in prefixes or value.decode(errors="replace") in _SML_NAMESPACES:
                return None
        found = xml.find(b"xmlns", found + 1)
    return [prefix + b":c" if prefix else b"c" for prefix in prefixes] or None


def _percent_cell_pattern(cell_tags: list[bytes], percent_styles: frozenset[str]) -> re.Pattern[bytes]:
    """A cell start tag whose s= is a percent style; groups: r= when it is the first attribute (in double or
    single quotes), else the attributes before and after s=."""
    names = b"|".join(re.escape(tag) for tag in cell_tags)
    styles = b"|".join(re.escape(style.encode()) for style in sorted(percent_styles))
    percent = rb"""(?:"(?:""" + styles + rb""")"|'(?:""" + styles + rb")')"
    return re.compile(
        rb"<(?:" + names + rb")"
        # A quick test first, scanned in C: an s= with a percent style before the next "<" (which cannot
        # be in an attribute value). Most cells fail it; only those that pass have their attributes read.
        + rb"(?=\s[^<]*s(?<=\ss)\s*=\s*" + percent + rb")"
        + rb"""(?:\s+r\s*=\s*(?:"([^"]*)"|'([^']*)'))?"""
        + rb"((?:" + _XML_ATTRIBUTE + rb")*?)\s+s\s*=\s*" + percent
        + rb"((?:" + _XML_ATTRIBUTE + rb")*)\s*/?>"
    )


def _mark_xlsx_sheet_fast(xml: bytes, percent_styles: frozenset[str], grid: list[list[object]]) -> bool:
    """Mark the percent cells of a sheet part read whole, as ``_mark_xlsx_sheet`` would; False, with nothing
    marked, when the part holds what this search cannot be sure of (the part is then for expat).

    The cell's type (t=) is not read: ``_mark`` leaves alone what calamine did not read as a number (text,
    booleans, errors), which is what t= says.
    """
    declaration = _XML_DECLARATION.match(xml)
    start = declaration.end() if declaration else 0
    if _contains(xml, b"&#") or _contains(xml, b"<!") or _contains(xml, b"<?", start):
        return False
    cell_tags = _sml_cell_tags(xml, start)
    if cell_tags is None:
        return False
    references = []
    for double, single, before, after in _percent_cell_pattern(cell_tags, percent_styles).findall(xml):
        if double or single:
            references.append(double or single)
            continue
        reference = _attributes(before).get(b"r")
        if reference is None:
            reference = _attributes(after).get(b"r")
        if reference is None:
            return False  # its place follows from the cells before it, which only expat counts
        references.append(reference)
    # _cell_position on bytes, inlined: a tenth of a province upload's cells pass through here.
    columns: dict[bytes, int] = {}
    for reference in references:
        letters = reference.rstrip(b"0123456789")
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = _column_index(letters.decode(errors="replace"))
        _mark(grid, int(reference[len(letters):]) - 1, col)
    return True


def _mark_xls(data: bytes, sheets: dict[str, list[list[object]]]) -> None:
    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    try:
        percent_xfs = set()
        for index, xf in enumerate(book.xf_list):
            number_format = book.format_map.get(xf.format_key)
            if number_format is not None and is_percent_format(number_format.format_str):
                percent_xfs.add(index)
        if not percent_xfs:
            return
        for index, name in enumerate(book.sheet_names()):
            grid = sheets.get(name)
            if grid is None:
                continue
            sheet = book.sheet_by_index(index)
            for row in range(sheet.nrows):
                for col, kind in enumerate(sheet.row_types(row)):
                    if kind == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(row, col) in percent_xfs:
                        _mark(grid, row, col)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _repeat(value: str | None) -> int:
    return max(1, int(value)) if value else 1


def _mark_ods(archive: zipfile.ZipFile, sheets: dict[str, list[list[object]]]) -> None:
    # An ODS cell says its own type: office:value-type="percentage". Rows and cells may be repeated; a
    # trailing empty row repeated to the sheet's end is only counted past, never walked.
    depth = 0  # a table inside a cell (rare) is not the sheet's own rows
    grid: list[list[object]] | None = None
    width = row = col = rows_repeated = 0
    percent_columns: list[int] = []  # of the current row

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, grid, width, row, col, rows_repeated
        if name == _ODS_TABLE:
            depth += 1
            if depth == 1:
                grid, row = sheets.get(attributes.get(_ODS_NAME, "")), 0
                width = len(grid[0]) if grid else 0
        elif depth != 1 or grid is None:
            return
        elif name in _ODS_CELLS:
            repeat = _repeat(attributes.get(_ODS_COLUMNS_REPEATED))
            if attributes.get(_ODS_VALUE_TYPE) == "percentage" and col < width:
                percent_columns.extend(range(col, min(col + repeat, width)))
            col += repeat
        elif name == _ODS_ROW:
            col, rows_repeated = 0, _repeat(attributes.get(_ODS_ROWS_REPEATED))
            percent_columns.clear()

    def end(name: str) -> None:
        nonlocal depth, row
        if name == _ODS_TABLE:
            depth -= 1
        elif name == _ODS_ROW and depth == 1 and grid is not None:
            if percent_columns:
                for each in range(row, min(row + rows_repeated, len(grid))):
                    for column in percent_columns:
                        _mark(grid, each, column)
            row += rows_repeated

    parser = _streaming_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    with archive.open("content.xml") as stream:
        parser.ParseFile(stream)


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
        # A header typed as a number (an indicator coded 101) arrives as 101.0 from .xlsx and .ods.
        text = display_value(cell).strip()
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
    def cells(row, wanted: list[tuple[str, int]]) -> dict[str, object]:
        # A grid row is as wide as the sheet (calamine pads it), so positions are only checked when short.
        if len(row) <= last_position:
            row = [*row, *([None] * (last_position + 1 - len(row)))]
        return {key: (None if type(value) is str and not value.strip() else value)
                for key, position in wanted
                for value in (row[position],)}

    wanted_values = list(positions.items())
    wanted_extra = list(extra_positions.items()) if allow_extra_columns else []
    last_position = max([*positions.values(), *(position for _key, position in wanted_extra)], default=0)
    for offset, row in enumerate(data_rows):
        values = cells(row, wanted_values)
        extra_values = cells(row, wanted_extra)
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
    if isinstance(value, PercentCell):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return display_value(value)
    text = str(value).strip()
    # The apostrophe our exports put before text that would start a formula (exports.formula_safe)
    # is not part of the text: a file downloaded and uploaded again reads as it was written.
    if text.startswith("'") and text[1:2] in _FORMULA_CHARACTERS and text[1:2]:
        return text[1:]
    return text


_FORMULA_CHARACTERS = "=+-@\t\r"


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
    """Numbers, numbers stored as text, thousands separators; a percent cell is the percent shown:
    0.643 formatted as a percentage is 64.3, and '85%' text is 85 (SPEC §9)."""
    if isinstance(value, bool):
        raise CellError(_("不是数字"))
    if isinstance(value, int | float):
        if isinstance(value, PercentCell):
            number = value.percent()
        else:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise CellError(_("不是数字"))
        return number
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
