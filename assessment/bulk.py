"""Writing many rows at once.

On PostgreSQL rows go in with COPY, an order of magnitude faster than INSERT for the tens of
thousands of result rows a period produces; elsewhere (SQLite, the embedded default) Django's
bulk_create is used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

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


def _column(model, attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.column
    raise ValueError(f"{model.__name__} has no column {attname}")


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (sequences in the order of ``columns``, given as attnames such as ``unit_id``)."""
    count = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(_column(model, column)) for column in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor, which speaks COPY
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
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


def _for_copy(value):
    # COPY's text format takes JSON as text; psycopg adapts the other Python types itself.
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _column_values(series) -> list:
    """A column as Python values with None for missing ones (NaN would be stored as NaN, not NULL)."""
    if series.dtype.kind in "fcmM" or series.dtype == object:
        return series.astype(object).where(series.notna(), None).tolist()
    return series.tolist()


def insert_frame(model, frame, columns: Sequence[str]) -> int:
    """Insert a pandas frame's ``columns`` (attnames), column arrays turned into rows at C speed.

    On PostgreSQL the rows go through COPY; psycopg's row writer is compiled, so this runs close
    to the cost of the COPY itself.
    """
    if frame.empty:
        return 0
    rows = zip(*(_column_values(frame[column]) for column in columns), strict=True)
    if connection.vendor != "postgresql":
        return insert_rows(model, columns, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(_column(model, column)) for column in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return len(frame)
