"""Survey scores on hand-built responses, each expected value worked out beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tierdesk.accounts.models import SkillGroup
from tierdesk.core.errors import ValidationFailed
from tierdesk.surveys.selectors import survey_scores
from tierdesk.surveys.tests.helpers import respond
from tierdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
END = datetime(2026, 3, 16, tzinfo=UTC)  # two weeks on
TOKYO = ZoneInfo("Asia/Tokyo")


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_csat_is_the_share_of_4_and_5(ticket):
    # 5, 4, 4, 3, 1: three of five are 4-5 -> 60 %; average (5+4+4+3+1)/5 = 17/5 = 3.4
    for score in (5, 4, 4, 3, 1):
        respond(ticket, "csat", score, at=_at(3))
    respond(ticket, "csat", 1, at=_at(20))  # after the period: not counted
    [row] = survey_scores("csat", START, END, UTC)
    assert row == {
        "key": None,
        "value": 60.0,
        "responses": 5,
        "numerator": 3,
        "denominator": 5,
        "average": 3.4,
    }


def test_nps_is_promoters_minus_detractors(ticket):
    # 10, 9, 9, 8, 7, 6, 0, 3: promoters 3, passives 2, detractors 3 of 8
    # -> 3/8 - 3/8 = 0; then with two more 10s: 5/10 - 3/10 = 20
    for score in (10, 9, 9, 8, 7, 6, 0, 3):
        respond(ticket, "nps", score, at=_at(4))
    [row] = survey_scores("nps", START, END, UTC)
    assert (row["value"], row["promoters"], row["passives"], row["detractors"]) == (0.0, 3, 2, 3)
    respond(ticket, "nps", 10, at=_at(5))
    respond(ticket, "nps", 10, at=_at(5))
    [row] = survey_scores("nps", START, END, UTC)
    assert (row["value"], row["numerator"], row["denominator"]) == (20.0, 2, 10)


def test_ces_is_the_average(ticket):
    # 7, 6, 2 -> 15 / 3 = 5.0
    for score in (7, 6, 2):
        respond(ticket, "ces", score, at=_at(6))
    [row] = survey_scores("ces", START, END, UTC)
    assert (row["value"], row["numerator"], row["denominator"]) == (5.0, 15, 3)


def test_by_week_in_the_time_zone_with_empty_weeks(ticket):
    # Sunday 8 March 20:00 UTC is Monday 9 March 05:00 in Tokyo: the second week there.
    respond(ticket, "csat", 5, at=_at(3))
    respond(ticket, "csat", 2, at=_at(8, 20))
    utc_rows = survey_scores("csat", START, END, UTC, group_by="week")
    assert [(r["key"], r["value"], r["responses"]) for r in utc_rows] == [
        ("2026-03-02", 50.0, 2),  # 5 and 2: one of two positive
        ("2026-03-09", None, 0),
    ]
    tokyo_rows = survey_scores("csat", START, END, TOKYO, group_by="week")
    # In Tokyo the period starts Monday 2 March 09:00, in the week of 2 March, and ends in the
    # week of 16 March (00:00 UTC is 09:00 there).
    assert [(r["key"], r["value"], r["responses"]) for r in tokyo_rows] == [
        ("2026-03-02", 100.0, 1),
        ("2026-03-09", 0.0, 1),
        ("2026-03-16", None, 0),
    ]


def test_by_group_and_channel_and_filtered(ticket, alice, group):
    other_group = SkillGroup.objects.create(name="Billing")
    email_ticket = ticket_open(
        actor=alice, subject="Invoice", body="x", channel="email", route=False
    )
    email_ticket.group = other_group
    email_ticket.save(update_fields=["group"])
    respond(ticket, "csat", 5, at=_at(3))  # portal, query engine
    respond(ticket, "csat", 4, at=_at(3))
    respond(email_ticket, "csat", 1, at=_at(3))  # email, billing
    by_group = {r["key"]: r["value"] for r in survey_scores("csat", START, END, UTC, "group")}
    assert by_group == {group.pk: 100.0, other_group.pk: 0.0}
    by_channel = {
        r["key"]: r["responses"] for r in survey_scores("csat", START, END, UTC, "channel")
    }
    assert by_channel == {"portal": 2, "email": 1}
    [row] = survey_scores("csat", START, END, UTC, filters={"channel": "email"})
    assert (row["value"], row["responses"]) == (0.0, 1)
    [row] = survey_scores("csat", START, END, UTC, filters={"group": group.pk, "channel": None})
    assert row["responses"] == 2


def test_no_responses_no_value(db):
    [row] = survey_scores("nps", START, END, UTC)
    assert (row["value"], row["responses"], row["average"]) == (None, 0, None)


def test_unknown_kind_group_or_filter_is_named(db):
    with pytest.raises(ValidationFailed) as kind:
        survey_scores("effort", START, END, UTC)
    assert set(kind.value.errors) == {"kind"}
    with pytest.raises(ValidationFailed) as group_by:
        survey_scores("csat", START, END, UTC, group_by="agent")
    assert set(group_by.value.errors) == {"group_by"}
    with pytest.raises(ValidationFailed) as flt:
        survey_scores("csat", START, END, UTC, filters={"agent": 1})
    assert set(flt.value.errors) == {"agent"}
