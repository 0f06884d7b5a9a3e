"""Phone numbers as the desk compares them: E.164-like digits with an optional leading +."""

from __future__ import annotations

import re

# Separators people and telephony systems put between digits.
_SEPARATORS = re.compile(r"[\s\-.()/\u00a0]")
_NUMBER = re.compile(r"^\+?[0-9]{2,20}$")
# What telephony systems report for a caller who withholds their number.
WITHHELD_MARKERS = frozenset({"", "anonymous", "private", "withheld", "unknown", "restricted"})


def normalize_number(raw: str) -> str | None:
    """The number with spaces, dashes, dots, slashes and parentheses removed and a leading 00
    written as +, e.g. "+1 (555) 010-1234" -> "+15550101234"; None when what is left is not
    2 to 20 digits with an optional leading + (letters, an extension, nothing at all)."""
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    return text if _NUMBER.match(text) else None


def is_withheld(raw: str | None) -> bool:
    """Whether a reported caller number says the caller withheld it."""
    return raw is None or raw.strip().lower() in WITHHELD_MARKERS
