"""Spreadsheets written by office software itself, for import tests.

A sheet is described once (``Sheet``) and written two ways:

- as a flat ODF spreadsheet (``.fods`` XML) that headless LibreOffice converts to .xlsx, .xls and .ods,
  so the files the product reads are the ones LibreOffice really writes (its styles, shared strings,
  BIFF8 records, repeated ODF rows and cells);
- by openpyxl as .xlsx, for comparison. openpyxl cannot compute a formula, so the cached value Excel
  would have saved with it is put into the sheet's XML afterwards.

Cells: ``None`` (nothing), a number, a plain string, or one of the classes below.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter


@dataclass(frozen=True)
class Percent:
    """A number shown as a percentage: Percent(0.643) is shown 64.3%."""

    value: float
    decimals: int = 1


@dataclass(frozen=True)
class Text:
    """A cell typed as text (format @), even when it looks like a number: a number stored as text."""

    value: str


@dataclass(frozen=True)
class Formula:
    """A formula with the value the writing program computed and saved with it.

    ``expression`` is written as in Excel without the leading '=' and may use single-cell references
    (C6) and operators, not ranges or function arguments (ODF writes those differently). ``cached`` must be
    what the formula computes: LibreOffice recalculates numeric formulas when it loads the source.
    """

    expression: str
    cached: float
    percent_decimals: int | None = None  # shown as a percentage with these decimals


@dataclass(frozen=True)
class Formatted:
    """An empty cell that only has a format (a fill), as left behind after clearing a cell's contents."""


FORMATTED = Formatted()


@dataclass
class Sheet:
    rows: list[list[object]]
    name: str = "统计数据"
    merges: tuple[str, ...] = ()  # ranges within one row, e.g. "A1:E1"


# --- Flat ODF ------------------------------------------------------------------------------------------

_FODS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:automatic-styles>
  <number:percentage-style style:name="N_pct0"><number:number number:decimal-places="0" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
  <number:percentage-style style:name="N_pct1"><number:number number:decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
  <number:percentage-style style:name="N_pct2"><number:number number:decimal-places="2" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
  <number:text-style style:name="N_text"><number:text-content/></number:text-style>
  <style:style style:name="ce_pct0" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N_pct0"/>
  <style:style style:name="ce_pct1" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N_pct1"/>
  <style:style style:name="ce_pct2" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N_pct2"/>
  <style:style style:name="ce_text" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N_text"/>
  <style:style style:name="ce_fill" style:family="table-cell" style:parent-style-name="Default"><style:table-cell-properties fo:background-color="#ffff00"/></style:style>
 </office:automatic-styles>
 <office:body>
  <office:spreadsheet>
"""
_FODS_TAIL = """  </office:spreadsheet>
 </office:body>
</office:document>
"""
_REFERENCE = re.compile(r"\b([A-Z]{1,3}[0-9]+)\b")


def _paragraph(text: str) -> str:
    if text and not text.strip(" "):
        return f'<text:p><text:s text:c="{len(text)}"/></text:p>'  # spaces only: XML would collapse them
    return f"<text:p>{escape(text)}</text:p>"


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def _percent_shown(value: float, decimals: int) -> str:
    return f"{value * 100:.{decimals}f}%"


def _fods_cell(cell: object, span: int) -> str:
    spanned = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    if cell is None:
        return f"<table:table-cell{spanned}/>"
    if isinstance(cell, Formatted):
        return f'<table:table-cell table:style-name="ce_fill"{spanned}/>'
    if isinstance(cell, Text):
        return (f'<table:table-cell table:style-name="ce_text" office:value-type="string"{spanned}>'
                f"{_paragraph(cell.value)}</table:table-cell>")
    if isinstance(cell, str):
        return f'<table:table-cell office:value-type="string"{spanned}>{_paragraph(cell)}</table:table-cell>'
    if isinstance(cell, Percent):
        return (f'<table:table-cell table:style-name="ce_pct{cell.decimals}" office:value-type="percentage" '
                f'office:value="{_number(cell.value)}"{spanned}>{_paragraph(_percent_shown(cell.value, cell.decimals))}'
                "</table:table-cell>")
    if isinstance(cell, Formula):
        formula = quoteattr("of:=" + _REFERENCE.sub(r"[.\1]", cell.expression))
        if cell.percent_decimals is None:
            kind, shown = 'office:value-type="float"', _number(cell.cached)
        else:
            kind = f'table:style-name="ce_pct{cell.percent_decimals}" office:value-type="percentage"'
            shown = _percent_shown(cell.cached, cell.percent_decimals)
        return (f'<table:table-cell table:formula={formula} {kind} office:value="{_number(cell.cached)}"{spanned}>'
                f"{_paragraph(shown)}</table:table-cell>")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return (f'<table:table-cell office:value-type="float" office:value="{_number(cell)}"{spanned}>'
                f"{_paragraph(_number(cell))}</table:table-cell>")
    raise TypeError(f"cannot write {cell!r}")


def _merges_by_cell(sheet: Sheet) -> tuple[dict[tuple[int, int], int], set[tuple[int, int]]]:
    starts, covered = {}, set()
    for reference in sheet.merges:
        first, last = reference.split(":")
        (row, col), (last_row, last_col) = _position(first), _position(last)
        if row != last_row:
            raise ValueError("only merges within one row are supported")
        starts[(row, col)] = last_col - col + 1
        covered.update((row, each) for each in range(col + 1, last_col + 1))
    return starts, covered


def _position(reference: str) -> tuple[int, int]:
    letters = reference.rstrip("0123456789")
    return int(reference[len(letters):]) - 1, column_index_from_string(letters) - 1


def fods_text(sheets: list[Sheet] | Sheet) -> str:
    """A flat ODF spreadsheet document holding ``sheets``."""
    parts = [_FODS_HEAD]
    for sheet in [sheets] if isinstance(sheets, Sheet) else sheets:
        starts, covered = _merges_by_cell(sheet)
        parts.append(f"   <table:table table:name={quoteattr(sheet.name)}>\n")
        width = max((len(row) for row in sheet.rows), default=1)
        parts.append(f'    <table:table-column table:number-columns-repeated="{width}"/>\n')
        for row_index, row in enumerate(sheet.rows):
            cells = []
            for col_index, cell in enumerate(row):
                if (row_index, col_index) in covered:
                    cells.append("<table:covered-table-cell/>")
                else:
                    cells.append(_fods_cell(cell, starts.get((row_index, col_index), 1)))
            parts.append(f"    <table:table-row>{''.join(cells) or '<table:table-cell/>'}</table:table-row>\n")
        parts.append("   </table:table>\n")
    parts.append(_FODS_TAIL)
    return "".join(parts)


# --- LibreOffice ---------------------------------------------------------------------------------------

# --convert-to targets: extension → "extension:filter name".
LIBREOFFICE_FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
}


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_files(documents: dict[str, str], workdir: Path, formats=tuple(LIBREOFFICE_FILTERS),
                      timeout: float = 180) -> dict[str, dict[str, bytes]]:
    """Write each flat ODF document (name → XML) and let headless LibreOffice save it in each format;
    one LibreOffice start per format, with a profile of its own so parallel runs do not clash.
    Returns {name: {extension: the file's bytes}}."""
    soffice = soffice_path()
    if soffice is None:
        raise FileNotFoundError("LibreOffice (soffice) is not installed")
    sources = workdir / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, xml in documents.items():
        path = sources / f"{name}.fods"
        path.write_text(xml, encoding="utf-8")
        paths.append(str(path))
    profile = (workdir / "profile").resolve().as_uri()
    found: dict[str, dict[str, bytes]] = {name: {} for name in documents}
    for extension in formats:
        outdir = workdir / extension
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
                   "--convert-to", LIBREOFFICE_FILTERS[extension], "--outdir", str(outdir), *paths]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        for name in documents:
            target = outdir / f"{name}.{extension}"
            if not target.exists():
                raise RuntimeError(f"LibreOffice did not write {target.name} (exit code {result.returncode}):\n"
                                   f"{result.stdout}\n{result.stderr}")
            found[name][extension] = target.read_bytes()
    return found


# --- openpyxl ------------------------------------------------------------------------------------------

_FILL = PatternFill("solid", fgColor="FFFF00")


def _percent_format(decimals: int) -> str:
    return "0%" if decimals == 0 else "0." + "0" * decimals + "%"


def openpyxl_bytes(sheet: Sheet) -> bytes:
    """The same sheet written by openpyxl as .xlsx, formulas carrying their cached values."""
    book = Workbook()
    worksheet = book.active
    worksheet.title = sheet.name
    cached: dict[str, float] = {}
    for row_index, row in enumerate(sheet.rows, start=1):
        for col_index, cell in enumerate(row, start=1):
            target = worksheet.cell(row=row_index, column=col_index)
            if cell is None:
                continue
            if isinstance(cell, Formatted):
                target.fill = _FILL
            elif isinstance(cell, Text):
                target.value, target.number_format = cell.value, "@"
            elif isinstance(cell, Percent):
                target.value, target.number_format = cell.value, _percent_format(cell.decimals)
            elif isinstance(cell, Formula):
                target.value = "=" + cell.expression
                if cell.percent_decimals is not None:
                    target.number_format = _percent_format(cell.percent_decimals)
                cached[f"{get_column_letter(col_index)}{row_index}"] = cell.cached
            else:
                target.value = cell
    for reference in sheet.merges:
        worksheet.merge_cells(reference)
    buffer = io.BytesIO()
    book.save(buffer)
    return _with_cached_values(buffer.getvalue(), cached) if cached else buffer.getvalue()


def _with_cached_values(data: bytes, cached: dict[str, float]) -> bytes:
    """Put each formula's cached value into the sheet XML, where openpyxl leaves an empty <v/>."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                text = content.decode("utf-8")
                for reference, value in cached.items():
                    pattern = re.compile(rf'(<c r="{reference}"[^>]*>\s*<f>[^<]*</f>\s*)<v\s*/>')
                    text, count = pattern.subn(lambda match, v=value: f"{match[1]}<v>{_number(v)}</v>", text)
                    if count != 1:
                        raise ValueError(f"no formula cell {reference} to give a cached value")
                content = text.encode("utf-8")
            target.writestr(entry, content)
    return buffer.getvalue()
