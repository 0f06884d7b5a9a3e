"""Starting a chat: who the visitor becomes, the ticket it opens, the secret, and every refusal."""

from __future__ import annotations

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import Organization, User
from tierdesk.chat import services
from tierdesk.chat.models import ChatSession
from tierdesk.chat.services import (
    TooManyRequests,
    chat_start_customer,
    chat_start_visitor,
)
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.tickets.models import Message


def test_a_known_customer_chats_as_themselves_on_a_new_chat_ticket(start, alice):
    # When a visitor gives alice's address
    chat, token = start(email=alice.email.upper())

    # Then the chat is hers, waiting, with a chat ticket whose first message is her first line
    assert chat.customer == alice
    assert chat.status == "waiting"
    assert chat.verified is False
    ticket = chat.ticket
    assert (ticket.channel, ticket.requester, ticket.organization) == (
        "chat",
        alice,
        alice.organization,
    )
    assert ticket.subject == "Our dashboard shows ERR_QUERY_TIMEOUT since this morning"
    message = Message.objects.get(ticket=ticket)
    assert (message.author, message.kind, message.channel) == (alice, "public", "chat")
    # And only the secret's hash is stored
    assert token.startswith("tdc_") and token not in chat.token_hash
    assert chat.token_matches(token) and not chat.token_matches(token + "x")


def test_an_unknown_visitor_of_a_known_domain_becomes_a_contact_of_that_organization(start, acme):
    chat, _token = start(name="Bob Builder", email="bob@ACME.test", language="ja-JP")

    bob = chat.customer
    assert (bob.organization, bob.role, bob.email) == (acme, "customer", "bob@acme.test")
    assert (bob.first_name, bob.last_name, bob.language) == ("Bob", "Builder", "ja")
    assert not bob.has_usable_password()
    assert chat.ticket.language == "ja"


def test_a_second_chat_from_the_same_new_address_reuses_the_contact(start, acme):
    first, _ = start(name="Bob", email="bob@acme.test")
    second, _ = start(name="Bob", email="bob@acme.test")

    assert first.customer == second.customer
    assert User.objects.filter(email="bob@acme.test").count() == 1


def test_an_unknown_domain_is_refused_naming_email(start):
    with pytest.raises(ValidationFailed) as refused:
        start(email="someone@unknown.test")

    assert set(refused.value.errors) == {"email"}
    assert "work address" in refused.value.errors["email"][0]
    assert not ChatSession.objects.exists()
    assert not User.objects.filter(email="someone@unknown.test").exists()


def test_a_site_with_an_organization_for_unknown_visitors_takes_them_in(start, site, globex):
    site.organization = globex
    site.save()

    chat, _ = start(email="prospect@gmail.test", site=site)

    assert chat.customer.organization == globex
    assert chat.site == site


def test_a_domain_two_organizations_claim_goes_to_the_older(start, acme):
    Organization.objects.create(name="Acme subsidiary", email_domains=["acme.test"])

    chat, _ = start(email="new@acme.test")

    assert chat.customer.organization == acme


def test_a_domain_that_only_contains_anothers_is_not_matched(start, acme):
    with pytest.raises(ValidationFailed):
        start(email="x@notacme.test")
    with pytest.raises(ValidationFailed):
        start(email="x@acme.tes")


def test_a_staff_address_is_refused(start, agent):
    with pytest.raises(ValidationFailed) as refused:
        start(email=agent.email)

    assert "support team" in refused.value.errors["email"][0]


def test_a_disabled_customer_is_refused(start, alice):
    alice.is_active = False
    alice.save()

    with pytest.raises(ValidationFailed) as refused:
        start(email=alice.email)

    assert set(refused.value.errors) == {"email"}


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"name": "", "email": "", "message": ""}, {"name", "email", "message"}),
        ({"name": "   ", "email": "alice@acme.test", "message": "hi"}, {"name"}),
        ({"name": "A" * 121, "email": "alice@acme.test", "message": "hi"}, {"name"}),
        ({"name": "A", "email": "not-an-address", "message": "hi"}, {"email"}),
        ({"name": "A", "email": "alice@acme.test", "message": "x" * 5001}, {"message"}),
        ({"name": None, "email": None, "message": None}, {"name", "email", "message"}),
    ],
)
def test_invalid_input_names_each_field_and_stores_nothing(acme, alice, fields, named):
    with pytest.raises(ValidationFailed) as refused:
        chat_start_visitor(**fields)

    assert set(refused.value.errors) == named
    assert not ChatSession.objects.exists()


def test_a_long_first_line_is_cut_at_a_word_for_the_subject(start):
    chat, _ = start(message="word " * 40 + "\nsecond line")

    assert chat.ticket.subject.endswith("…")
    assert len(chat.ticket.subject) <= 81


def test_page_url_is_kept_only_when_it_is_a_web_address(start):
    kept, _ = start(page_url="https://www.acme-docs.test/guide?q=1")
    dropped, _ = start(page_url="javascript:alert(1)")

    assert kept.page_url == "https://www.acme-docs.test/guide?q=1"
    assert dropped.page_url == ""


def test_the_same_email_starting_too_often_is_told_when_to_retry(start, monkeypatch):
    monkeypatch.setattr(services, "STARTS_PER_EMAIL_PER_HOUR", 2)
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        start()
    with time_machine.travel("2026-03-02 10:20:00Z", tick=False):
        start()
        with pytest.raises(TooManyRequests) as limited:
            start()
    # The first start leaves the hour at 11:00, 40 minutes after the refusal.
    assert limited.value.retry_after == 40 * 60
    with time_machine.travel("2026-03-02 11:00:01Z", tick=False):
        start()
    assert ChatSession.objects.count() == 3


def test_one_address_starting_too_often_is_refused_whatever_the_email(start, monkeypatch, acme):
    monkeypatch.setattr(services, "STARTS_PER_IP_PER_HOUR", 2)
    start(email="a@acme.test", ip="203.0.113.9")
    start(email="b@acme.test", ip="203.0.113.9")

    with pytest.raises(TooManyRequests):
        start(email="c@acme.test", ip="203.0.113.9")
    start(email="c@acme.test", ip="203.0.113.10")


def test_a_signed_in_customer_starts_a_verified_portal_chat(alice):
    started = chat_start_customer(actor=alice, message="Can you extend our trial?")

    chat = started.chat
    assert (chat.origin, chat.verified, chat.customer) == ("portal", True, alice)
    assert chat.visitor_email == alice.email
    assert chat.ticket.channel == "chat"


def test_a_customer_with_an_open_portal_chat_continues_it(alice):
    chat_start_customer(actor=alice, message="first")

    with pytest.raises(Conflict):
        chat_start_customer(actor=alice, message="second")


def test_staff_do_not_start_portal_chats(agent):
    with pytest.raises(PermissionDenied):
        chat_start_customer(actor=agent, message="hello")


def test_rotating_the_secret_retires_the_old_one(waiting_chat):
    new = services.chat_rotate_token(chat=waiting_chat)

    waiting_chat.refresh_from_db()
    assert waiting_chat.token_matches(new)
    assert not waiting_chat.token_matches(waiting_chat.token)


def test_a_reviewer_address_counts_as_staff(start):
    reviewer = make_person("rev", role=Role.REVIEWER)

    with pytest.raises(ValidationFailed):
        start(email=reviewer.email)
