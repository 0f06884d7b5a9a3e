"""CSV downloads opened in spreadsheets: one way to write a cell, so a name or title that a
spreadsheet would read as a formula is written as text wherever the desk exports."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: text that starts like a formula gets a leading quote, None is
    empty, booleans read true/false."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
