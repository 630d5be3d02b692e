"""Writing many rows at once.

On PostgreSQL rows go in with COPY, an order of magnitude faster than INSERT for the tens of
thousands of result rows a period produces; elsewhere (SQLite, the embedded default) Django's
bulk_create is used.

A frame whose columns are all numbers, booleans or text is sent in COPY's binary format, encoded
by numpy a column at a time: formatting 100,000+ rows one by one in Python (or parsing their text
on the server) costs more than the COPY itself.
"""

from __future__ import annotations

import gc
import json
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from django.db import connection


def _clean(value):
    """pandas hands over NaN, NA and numpy scalars; the database wants None and Python values."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in {"NAType", "NaTType"}:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _field(model, attname: str):
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise ValueError(f"{model.__name__} has no column {attname}")


def _column(model, attname: str) -> str:
    return _field(model, attname).column


def _copy_statement(model, columns: Sequence[str], options: str = "") -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(_column(model, column)) for column in columns)
    return f"COPY {table} ({names}) FROM STDIN{options}"


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (sequences in the order of ``columns``, given as attnames such as ``unit_id``)."""
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor, which speaks COPY
            with raw.copy(_copy_statement(model, columns)) as copy:
                for row in rows:
                    copy.write_row([_for_copy(_clean(value)) for value in row])
                    count += 1
        return count
    objects = []
    for row in rows:
        objects.append(model(**dict(zip(columns, map(_clean, row), strict=True))))
        count += 1
    model.objects.bulk_create(objects, batch_size=2000)
    return count


_NULL = "\\N"


def _copy_text(value) -> str:
    if value is None:
        return _NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def insert_plain_rows(model, columns: Sequence[str], rows: Iterable[Sequence], *,
                      constants: dict[str, object] | None = None) -> int:
    """Like `insert_rows` for rows of plain values only: ints, Decimals, booleans, None, datetimes and
    text without tabs, newlines or backslashes. ``constants`` (attname → value) are the same in every row.

    On PostgreSQL each row becomes one line of COPY's text format, formatted here without psycopg's
    per-value adaptation (a third of the time for 120,000 rows); the constants are formatted once."""
    constants = constants or {}
    if connection.vendor != "postgresql":
        fixed = tuple(constants.values())
        return insert_rows(model, [*columns, *constants], (tuple(row) + fixed for row in rows))
    # _copy_text inlined: a call per value is a quarter of the time at this size.
    return copy_text_lines(model, columns, (
        "\t".join([_NULL if value is None else "t" if value is True else "f" if value is False else str(value)
                   for value in row])
        for row in rows
    ), constants=constants)


def copy_text_lines(model, columns: Sequence[str], lines: Iterable[str], *,
                    constants: dict[str, object] | None = None) -> int:
    """PostgreSQL only: COPY lines already in COPY's text format (values of ``columns`` joined by tabs, no
    line end), each followed by ``constants``. For a caller that formats its rows in one f-string each."""
    constants = constants or {}
    suffix = "".join("\t" + _copy_text(value) for value in constants.values()) + "\n"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(_copy_statement(model, [*columns, *constants])) as copy:
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == 10_000:
                count += len(chunk)
                copy.write(suffix.join(chunk) + suffix)
                chunk = []
        if chunk:
            count += len(chunk)
            copy.write(suffix.join(chunk) + suffix)
    return count


_gc_pause_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = True


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while a loop builds 100,000+ small objects that form no cycles.

    Every 700 allocations the collector runs, and its older generations are rescanned again and again
    as they fill with the new objects: a fifth of the time of reading a province sheet. The collector
    is process-wide, so it is paused by the first of several threads and restored by the last."""
    global _gc_pauses, _gc_was_enabled
    with _gc_pause_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_pause_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _for_copy(value):
    # COPY's text format takes JSON as text; psycopg adapts the other Python types itself.
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _column_values(series) -> list:
    """A column as Python values with None for missing ones (NaN would be stored as NaN, not NULL)."""
    if series.hasnans:
        return series.astype(object).where(series.notna(), None).tolist()
    return series.tolist()


def insert_frame(model, frame, columns: Sequence[str]) -> int:
    """Insert a pandas frame's ``columns`` (attnames); NaN and NA are stored as NULL.

    On PostgreSQL the rows go through COPY: in the binary format when every column is a number,
    a boolean or text (see `binary_copy_records`), else in the text format, row by row.
    """
    if frame.empty:
        return 0
    if connection.vendor != "postgresql":
        rows = zip(*(_column_values(frame[column]) for column in columns), strict=True)
        return insert_rows(model, columns, rows)
    db_types = [_field(model, column).db_type(connection) for column in columns]
    with connection.cursor() as cursor:
        if all(_binary_kind(db_type) for db_type in db_types):
            records = binary_copy_records([frame[column] for column in columns], db_types)
            with cursor.cursor.copy(_copy_statement(model, columns, " (FORMAT BINARY)")) as copy:
                copy.write(_BINARY_HEADER)
                copy.write(memoryview(records))  # psycopg takes any buffer; a numpy array it would test for truth
                copy.write(_BINARY_TRAILER)
        else:
            rows = zip(*(_column_values(frame[column]) for column in columns), strict=True)
            with cursor.cursor.copy(_copy_statement(model, columns)) as copy:
                for row in rows:
                    copy.write_row([_for_copy(value) for value in row])
    return len(frame)


# --- COPY's binary format ---------------------------------------------------------------------
#
# A signature, a 32-bit flags word and a 32-bit header-extension length (both 0), then per row a
# 16-bit field count and per field a 32-bit byte length (-1 for NULL, with no bytes following)
# and the value in network byte order, and finally a field count of -1. Every integer is
# big-endian. See https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4

_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"

# PostgreSQL type → numpy type of its binary form; `str` marks the text types.
_BINARY_TYPES = {
    "bigint": ">i8",
    "integer": ">i4",
    "smallint": ">i2",
    "double precision": ">f8",
    "boolean": "?",
    "text": str,
}


def _binary_kind(db_type: str | None):
    if db_type and db_type.startswith("varchar"):
        return str
    return _BINARY_TYPES.get(db_type or "")


def binary_copy_records(columns: Sequence[pd.Series], db_types: Sequence[str]) -> np.ndarray:
    """The records of ``columns`` (equal-length series, one per field) in COPY's binary format, as bytes.

    Each column is encoded on its own as a 2-D byte array, one row per record and as wide as its
    widest field, along with the number of bytes each record really uses (fewer for a NULL or a
    shorter string). Side by side these make one byte matrix of all records; keeping only the used
    bytes, read row by row, gives the records back to back.
    """
    rows = len(columns[0])
    field_count = np.full(rows, len(columns), dtype=">i2").view(np.uint8).reshape(rows, 2)
    blocks, used = [field_count], [np.full(rows, 2)]
    for series, db_type in zip(columns, db_types, strict=True):
        kind = _binary_kind(db_type)
        block, width = _text_fields(series) if kind is str else _fixed_width_fields(series, kind)
        blocks.append(block)
        used.append(width)
    layout, first_of_layout = _layouts([block.shape[1] for block in blocks], used)
    # The byte mask of each layout, built from its first record; each record then looks its mask up.
    mask_of_layout = np.hstack([
        np.arange(block.shape[1]) < width[first_of_layout, None] for block, width in zip(blocks, used, strict=True)
    ])
    return np.hstack(blocks)[mask_of_layout[layout]]


def _layouts(block_widths: Sequence[int], used: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Number the records by layout (how many bytes each field uses), and find each layout's first record.

    A result table has a handful of layouts (which fields are NULL, which string each text field
    holds), so a mask per layout is far cheaper than a mask computed byte by byte for every record.
    """
    layout = np.zeros(len(used[0]), dtype=np.int64)
    for block_width, width in zip(block_widths, used, strict=True):
        layout = layout * (block_width + 1) + width  # a mixed-radix number of the widths so far
        if layout.max(initial=0) > 2**40:  # renumbered from 0 before it could overflow
            layout = pd.factorize(layout)[0]
    layout = pd.factorize(layout)[0]  # 0, 1, … in order of first appearance
    first_of_layout = pd.Series(layout).drop_duplicates().index.to_numpy()
    return layout, first_of_layout


def _fixed_width_fields(series: pd.Series, numpy_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Length word and value of each record of a number or boolean column; NaN and NA are NULL."""
    null = series.isna().to_numpy()
    value_type = np.dtype(numpy_type)
    fields = np.zeros(len(series), dtype=[("length", ">i4"), ("value", value_type)])
    fields["length"] = np.where(null, -1, value_type.itemsize)
    fields["value"] = series.to_numpy(dtype=value_type.newbyteorder("="), na_value=0)
    block = fields.view(np.uint8).reshape(len(series), 4 + value_type.itemsize)
    return block, np.where(null, 4, 4 + value_type.itemsize)


def _text_fields(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Length word and UTF-8 bytes of each record of a text column; NA is NULL.

    A result column repeats a few strings (statuses, kinds), so each distinct one is encoded once
    and the records pick theirs by number.
    """
    codes, uniques = pd.factorize(series)  # code -1 for NA, which picks the NULL row, the last one
    encoded = [str(text).encode() for text in uniques]
    width = 4 + max((len(text) for text in encoded), default=0)
    table = np.zeros((len(encoded) + 1, width), dtype=np.uint8)
    used = np.empty(len(encoded) + 1, dtype=np.int64)
    for number, text in enumerate([*encoded, None]):
        length = -1 if text is None else len(text)
        table[number, :4] = np.frombuffer(np.array(length, dtype=">i4").tobytes(), dtype=np.uint8)
        table[number, 4:4 + len(text or b"")] = np.frombuffer(text or b"", dtype=np.uint8)
        used[number] = 4 + max(length, 0)
    return table[codes], used[codes]

