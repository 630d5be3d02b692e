"""The one rule for cells a spreadsheet must not run as formulas (CSV injection).

Every file the product writes passes its text cells through ``formula_safe``; every file it reads strips
the apostrophe again (``unguarded_text``), so a downloaded file uploaded again reads as it was written.
"""

from __future__ import annotations

# Excel and WPS take a cell that starts with one of these for a formula, even in a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> object:
    """A cell value that a spreadsheet will not run: text that would start a formula gets a leading
    apostrophe and stays text; numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguarded_text(text: str) -> str:
    """The text as it was before ``formula_safe`` guarded it."""
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text
