"""Phone numbers as the desk compares them."""

import pytest

from tierdesk.phone.numbers import is_withheld, normalize_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (555) 010-2030", "+15550102030"),
        ("+7 (495) 123-45-67", "+74951234567"),
        ("+81 3.1234.5678", "+81312345678"),
        ("0081 3 1234 5678", "+81312345678"),
        ("03-1234-5678", "0312345678"),
        ("1001", "1001"),
        ("+44\u00a020 7946 0000", "+442079460000"),
    ],
)
def test_separators_are_dropped_and_a_leading_00_becomes_plus(raw, expected):
    assert normalize_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "+", "5", "call me", "+1 555 0102 ext. 12", "++15550102030", "1" * 21]
)
def test_what_is_no_phone_number_normalises_to_none(raw):
    assert normalize_number(raw) is None


@pytest.mark.parametrize("raw", [None, "", "  ", "anonymous", "Private", "WITHHELD", "unknown"])
def test_withheld_markers_are_recognised(raw):
    assert is_withheld(raw)


def test_a_number_is_not_withheld():
    assert not is_withheld("+15550102030")
