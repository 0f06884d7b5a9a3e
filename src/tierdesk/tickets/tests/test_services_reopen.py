"""The reopen window: a customer answering a solved ticket within TIERDESK_REOPEN_WINDOW_DAYS
reopens it; after the window the answer opens a follow-up ticket linked to it."""

from __future__ import annotations

import pytest
import time_machine

from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(alice, agent, group, settings):
    """Alice's ticket, solved by the desk on 1 May at noon, with a three-day reopen window."""
    settings.TIERDESK_REOPEN_WINDOW_DAYS = 3
    settings.TIERDESK_AUTOCLOSE_DAYS = 7
    with time_machine.travel("2026-04-30 09:00Z", tick=False):
        ticket = ticket_open(
            actor=alice, subject="Export fails", body="CSV export stops at 10k rows"
        )
        ticket.group = group
        ticket.tags = ["export"]
        ticket.save()
    with time_machine.travel("2026-05-01 12:00Z", tick=False):
        ticket_reply(actor=agent, ticket=ticket, body="Fixed in 4.3.", status=Status.SOLVED)
    return Ticket.objects.get(pk=ticket.pk)


def test_a_reply_on_the_last_moment_of_the_window_reopens_the_ticket(solved, alice):
    with time_machine.travel("2026-05-04 12:00Z", tick=False):
        message = ticket_reply(actor=alice, ticket=solved, body="Still failing for me.")

    solved.refresh_from_db()
    assert message.ticket_id == solved.pk
    assert (solved.status, solved.solved_at) == (Status.OPEN, None)
    assert Ticket.objects.count() == 1


def test_a_reply_after_the_window_opens_a_linked_follow_up(solved, alice, group):
    with time_machine.travel("2026-05-04 12:00:01Z", tick=False):
        message = ticket_reply(actor=alice, ticket=solved, body="Still failing for me.")

    solved.refresh_from_db()
    follow_up = message.ticket
    assert follow_up.pk != solved.pk
    assert solved.status == Status.CLOSED
    assert solved.messages.filter(body_text="Still failing for me.").count() == 0
    assert (follow_up.requester, follow_up.subject, follow_up.group, follow_up.tags) == (
        alice,
        "Export fails",
        group,
        ["export"],
    )
    assert follow_up.events.filter(field="follow_up_of", to_value=str(solved.pk)).exists()
    assert solved.events.filter(field="followed_up_by", to_value=str(follow_up.pk)).exists()
    closing = solved.events.get(field="status", to_value=Status.CLOSED)
    assert closing.actor is None


def test_staff_replies_to_a_solved_ticket_after_the_window_stay_on_it(solved, agent):
    with time_machine.travel("2026-05-20 12:00Z", tick=False):
        message = ticket_reply(
            actor=agent, ticket=solved, body="One more note.", status=Status.OPEN
        )

    solved.refresh_from_db()
    assert message.ticket_id == solved.pk
    assert solved.status == Status.OPEN


def test_an_empty_reply_after_the_window_changes_nothing(solved, alice):
    from tierdesk.core.errors import ValidationFailed

    with time_machine.travel("2026-05-10 12:00Z", tick=False), pytest.raises(ValidationFailed):
        ticket_reply(actor=alice, ticket=solved, body="  ")

    solved.refresh_from_db()
    assert solved.status == Status.SOLVED
    assert Ticket.objects.count() == 1


def test_the_window_defaults_to_the_autoclose_days():
    from django.conf import settings

    assert settings.TIERDESK_REOPEN_WINDOW_DAYS == settings.TIERDESK_AUTOCLOSE_DAYS


def test_past_the_window_the_customer_cannot_reopen_by_status(solved, alice):
    from tierdesk.core.errors import ValidationFailed
    from tierdesk.tickets.services import ticket_update

    with (
        time_machine.travel("2026-05-04 12:01Z", tick=False),
        pytest.raises(ValidationFailed) as refusal,
    ):
        ticket_update(actor=alice, ticket=solved, changes={"status": Status.OPEN})

    assert "3 days" in str(refusal.value.errors["status"])
    solved.refresh_from_db()
    assert solved.status == Status.SOLVED


def test_within_the_window_the_customer_reopens_by_status(solved, alice):
    from tierdesk.tickets.services import ticket_update

    with time_machine.travel("2026-05-04 11:59Z", tick=False):
        ticket_update(actor=alice, ticket=solved, changes={"status": Status.OPEN})

    solved.refresh_from_db()
    assert solved.status == Status.OPEN


def test_a_late_reply_over_the_api_names_the_follow_up_ticket(solved, alice):
    from tierdesk.core.tests.api_support import API, client_for

    with time_machine.travel("2026-05-05 09:00Z", tick=False):
        response = client_for(alice).post(
            f"{API}/tickets/{solved.number}/messages",
            {"body": "It broke again."},
            content_type="application/json",
        )

    assert response.status_code == 201, response.json()
    follow_up = Ticket.objects.exclude(pk=solved.pk).get()
    assert response.json()["ticket"] == follow_up.number


def test_the_portal_takes_a_late_reply_to_its_follow_up(client, solved, alice):
    client.force_login(alice)
    with time_machine.travel("2026-05-05 09:00Z", tick=False):
        page = client.get(f"/portal/tickets/{solved.number}/").content.decode()
        response = client.post(
            f"/portal/tickets/{solved.number}/reply/", {"body": "It broke again."}
        )

    follow_up = Ticket.objects.exclude(pk=solved.pk).get()
    assert ">Reopen<" not in page
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{follow_up.number}/")
