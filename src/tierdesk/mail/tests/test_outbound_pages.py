"""The delivery of a ticket's emails where staff see it: the ticket page's card with its Send
again button, and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tierdesk.core.tests.api_support import API, client_for
from tierdesk.mail.choices import OutboundStatus
from tierdesk.mail.models import OutboundMail, SupportAddress
from tierdesk.mail.outbound import outbound_mark_bounced
from tierdesk.tickets.services import ticket_reply, ticket_update

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _support(db):
    SupportAddress.objects.create(address="support@tierdesk.test", is_default=True)


def reply(agent, ticket, minutes: int, body: str = "Answer") -> OutboundMail:
    with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
        message = ticket_reply(actor=agent, ticket=ticket, body=body)
    return OutboundMail.objects.get(message=message)


@pytest.fixture
def emails(agent, ticket) -> dict[str, OutboundMail]:
    """One email in each state on the ticket."""
    queued = reply(agent, ticket, 1)
    sent = reply(agent, ticket, 2)
    OutboundMail.objects.filter(pk=sent.pk).update(
        status=OutboundStatus.SENT, attempts=1, sent_at=T0 + timedelta(minutes=2)
    )
    failed = reply(agent, ticket, 3)
    OutboundMail.objects.filter(pk=failed.pk).update(
        status=OutboundStatus.FAILED, attempts=1, reason="550 5.2.1 Mailbox disabled"
    )
    bounced = reply(agent, ticket, 4)
    outbound_mark_bounced(bounced.message_id_header, "550 5.1.1 No such user")
    retrying = reply(agent, ticket, 5)
    OutboundMail.objects.filter(pk=retrying.pk).update(
        attempts=2, reason="451 4.3.0 Try later", next_attempt_at=T0 + timedelta(minutes=10)
    )
    states = {
        "queued": queued,
        "sent": sent,
        "failed": failed,
        "bounced": bounced,
        "retrying": retrying,
    }
    for email in states.values():
        email.refresh_from_db()
    return states


def card(client, ticket) -> str:
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    start = page.index('id="email-delivery"')
    return page[start : page.index("\n</div>\n", start)]


# --- the card ----------------------------------------------------------------------------------


def test_the_ticket_page_shows_each_emails_delivery(client, agent, ticket, emails):
    client.force_login(agent)

    shown = card(client, ticket)

    for name in ("queued", "sent", "failed", "bounced"):
        email = emails[name]
        assert f'data-outbound="{email.pk}" data-outbound-status="{email.status}"' in shown
    assert "550 5.2.1 Mailbox disabled" in shown
    assert "550 5.1.1 No such user" in shown
    assert "2 attempts failed (451 4.3.0 Try later)" in shown
    assert f'href="#message-{emails["sent"].message_id}"' in shown
    retry_url = reverse("mail:outbound_retry", args=[emails["failed"].pk])
    assert shown.count('data-action="retry-email"') == 1
    assert f'action="{retry_url}"' in shown


def test_a_quality_reviewer_sees_the_card_without_the_button(client, reviewer, ticket, emails):
    client.force_login(reviewer)

    shown = card(client, ticket)

    assert 'data-outbound-status="failed"' in shown
    assert 'data-action="retry-email"' not in shown


def test_a_ticket_without_email_has_no_card(client, agent, ticket):
    client.force_login(agent)

    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert 'id="email-delivery"' not in page


def test_send_again_queues_the_failed_email_and_returns_to_the_ticket(
    client, agent, ticket, emails
):
    client.force_login(agent)
    failed = emails["failed"]

    response = client.post(reverse("mail:outbound_retry", args=[failed.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("tickets:detail", args=[ticket.number])
    assert "The email is queued to be sent again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboundStatus.QUEUED, 0)


def test_send_again_on_an_email_that_did_not_fail_says_why(client, agent, emails):
    client.force_login(agent)

    response = client.post(reverse("mail:outbound_retry", args=[emails["sent"].pk]), follow=True)

    assert "only an email that failed is sent again" in response.content.decode()
    emails["sent"].refresh_from_db()
    assert emails["sent"].status == OutboundStatus.SENT


def test_send_again_is_refused_to_reviewers_and_hidden_on_restricted_tickets(
    client, agent, reviewer, ticket, emails
):
    failed = emails["failed"]
    url = reverse("mail:outbound_retry", args=[failed.pk])
    client.force_login(reviewer)

    assert client.post(url).status_code == 403
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    failed.refresh_from_db()
    assert failed.status == OutboundStatus.FAILED


# --- the API -----------------------------------------------------------------------------------


def test_staff_read_a_tickets_emails_newest_first(agent, alice, ticket, emails):
    response = client_for(agent).get(f"{API}/tickets/{ticket.number}/emails")

    assert response.status_code == 200
    body = response.json()
    assert [e["id"] for e in body] == [
        emails[name].pk for name in ("retrying", "bounced", "failed", "sent", "queued")
    ]
    failed = body[2]
    assert failed["status"] == "failed"
    assert failed["reason"] == "550 5.2.1 Mailbox disabled"
    assert failed["to"] == [alice.email]
    assert failed["ticket"] == ticket.number
    assert failed["message"] == emails["failed"].message_id
    assert failed["message_id"] == emails["failed"].message_id_header
    assert failed["subject"] == f"[#{ticket.number}] {ticket.subject}"
    assert body[1]["bounced_at"] is not None


def test_the_email_list_takes_a_fixed_number_of_queries(
    agent, ticket, emails, django_assert_max_num_queries
):
    client = client_for(agent)
    client.get(f"{API}/tickets/{ticket.number}/emails")

    with django_assert_max_num_queries(6):
        assert client.get(f"{API}/tickets/{ticket.number}/emails").status_code == 200


def test_customers_do_not_see_email_delivery(alice, ticket, emails):
    client = client_for(alice)

    assert client.get(f"{API}/tickets/{ticket.number}/emails").status_code == 403
    retry = client.post(f"{API}/mail/outbound/{emails['failed'].pk}/retry")
    assert retry.status_code == 403


def test_the_api_sends_a_failed_email_again(agent, emails):
    client = client_for(agent)

    response = client.post(f"{API}/mail/outbound/{emails['failed'].pk}/retry")

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["attempts"]) == ("queued", 0)
    again = client.post(f"{API}/mail/outbound/{emails['sent'].pk}/retry")
    assert again.status_code == 409
    assert "only an email that failed" in again.json()["detail"]
    assert client.post(f"{API}/mail/outbound/999999/retry").status_code == 404


def test_the_api_refuses_reviewers_and_hides_restricted_tickets(agent, reviewer, ticket, emails):
    client = client_for(reviewer)
    failed = emails["failed"]

    assert client.post(f"{API}/mail/outbound/{failed.pk}/retry").status_code == 403
    ticket_update(actor=agent, ticket=ticket, changes={"restricted": True})
    assert client.get(f"{API}/tickets/{ticket.number}/emails").status_code == 404
    assert client.post(f"{API}/mail/outbound/{failed.pk}/retry").status_code == 404
