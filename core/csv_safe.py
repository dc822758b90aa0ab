"""CSV that a spreadsheet opens as data, never as formulas (CSV injection)."""

from __future__ import annotations


def safe_row(row) -> list:
    """A CSV row a spreadsheet opens as data: a text cell starting with = + - @ (or a tab or return)
    gets a leading ' so it is never run as a formula; numbers, "-1.5" included, stay numbers."""
    return [f"'{cell}" if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not _is_number(cell) else cell for cell in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
