"""The cursor codec and page cap every list shares: opaque, reversible, refusing what it never gave."""

import pytest

from tierdesk.core.errors import ValidationFailed
from tierdesk.core.pagination import PAGE_LIMIT_MAX, cursor_decode, cursor_encode, page_limit


@pytest.mark.parametrize("value", ["alice", "2024-05-01T09:00:00+00:00|42", "Ёлка/株式会社"])
def test_a_cursor_gives_back_the_value_it_carries(value):
    cursor = cursor_encode(value)

    assert "=" not in cursor
    assert cursor_decode(cursor) == value


@pytest.mark.parametrize("cursor", ["not a cursor", "!!!!", "_w", "", "A"])
def test_a_cursor_no_list_gave_out_is_refused_naming_cursor(cursor):
    with pytest.raises(ValidationFailed) as refused:
        cursor_decode(cursor)

    assert set(refused.value.errors) == {"cursor"}


def test_page_limit_stays_between_one_and_the_cap():
    assert (page_limit(0), page_limit(10), page_limit(10_000)) == (1, 10, PAGE_LIMIT_MAX)
