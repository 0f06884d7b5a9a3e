"""Inbound mail and support address pages: staff read, managers reprocess and accept,
administrators manage addresses and upload; restricted tickets' mail stays with their readers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.models import InboundMail, SupportAddress
from tierdesk.tickets.services import ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(deliver, make_mail, support_address, settings) -> InboundMail:
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "hold"
    return deliver(make_mail(sender="stranger@freemail.test", subject="Please call me back"))


@pytest.fixture
def ignored(deliver, make_mail, support_address) -> InboundMail:
    return deliver(make_mail(sender="bot@acme.test", subject="Automatic reply: away"))


def test_the_list_shows_mail_waiting_for_a_person_with_the_reason(client, agent, held, ignored):
    client.force_login(agent)

    attention = client.get(reverse("mail:inbound")).content.decode()
    ignored_page = client.get(reverse("mail:inbound"), {"status": "ignored"}).content.decode()

    assert "Please call me back" in attention and "Unknown sender" in attention
    assert "Automatic reply: away" not in attention
    assert "Automatic reply: away" in ignored_page and "Auto-reply" in ignored_page
    assert "Needs attention (1)" in attention and "Ignored (1)" in attention


def test_the_list_pages_with_a_constant_number_of_queries(
    client, agent, deliver, make_mail, support_address, alice, django_assert_max_num_queries
):
    for n in range(3):
        deliver(make_mail(sender=alice.email, subject=f"Question {n}"))
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        few = client.get(reverse("mail:inbound"), {"status": "all"})
    for n in range(3, 12):
        deliver(make_mail(sender=alice.email, subject=f"Question {n}"))
    with django_assert_max_num_queries(14):
        many = client.get(reverse("mail:inbound"), {"status": "all"})
    assert few.status_code == many.status_code == 200
    assert "Question 11" in many.content.decode()


def test_customers_never_see_inbound_mail(client, alice, held):
    client.force_login(alice)
    response = client.get(reverse("mail:inbound"))
    assert response.status_code == 302 and "/portal/" in response["Location"]


def test_the_detail_shows_headers_and_the_raw_message(client, agent, held):
    client.force_login(agent)

    page = client.get(reverse("mail:inbound_detail", args=[held.pk])).content.decode()
    raw = client.get(reverse("mail:inbound_raw", args=[held.pk]))

    assert "stranger@freemail.test" in page and "Message-ID" in page
    assert reverse("mail:inbound_accept", args=[held.pk]) not in page  # agents do not act
    assert raw["Content-Type"] == "message/rfc822"
    assert raw.content == bytes(held.raw)


def test_a_manager_accepts_a_held_sender_from_the_page(client, manager, held):
    client.force_login(manager)
    page = client.get(reverse("mail:inbound_detail", args=[held.pk])).content.decode()
    assert reverse("mail:inbound_accept", args=[held.pk]) in page

    response = client.post(reverse("mail:inbound_accept", args=[held.pk]), follow=True)

    held.refresh_from_db()
    assert held.status == InboundStatus.PROCESSED
    assert f"added to ticket #{held.ticket_id}" in response.content.decode()


def test_agents_may_not_reprocess_or_accept(client, agent, held):
    client.force_login(agent)
    assert client.post(reverse("mail:inbound_reprocess", args=[held.pk])).status_code == 403
    assert client.post(reverse("mail:inbound_accept", args=[held.pk])).status_code == 403
    held.refresh_from_db()
    assert held.status == InboundStatus.HELD


def test_reprocessing_a_processed_message_is_refused_with_a_message(
    client, manager, deliver, make_mail, support_address, alice
):
    row = deliver(make_mail(sender=alice.email))
    client.force_login(manager)

    response = client.post(reverse("mail:inbound_reprocess", args=[row.pk]), follow=True)

    assert f"already added to ticket #{row.ticket_id}" in response.content.decode()


def test_mail_of_a_restricted_ticket_is_hidden_from_staff_not_named(
    client, agent, manager, deliver, make_mail, support_address, alice
):
    row = deliver(make_mail(sender=alice.email, subject="Confidential breach"))
    ticket_update(actor=manager, ticket=row.ticket, changes={"restricted": True})
    client.force_login(agent)

    assert (
        "Confidential breach"
        not in client.get(reverse("mail:inbound"), {"status": "all"}).content.decode()
    )
    assert client.get(reverse("mail:inbound_detail", args=[row.pk])).status_code == 404
    assert client.get(reverse("mail:inbound_raw", args=[row.pk])).status_code == 404
    client.force_login(manager)
    assert client.get(reverse("mail:inbound_detail", args=[row.pk])).status_code == 200


def test_an_admin_uploads_a_message_file(
    client,
    admin_user,
    agent,
    make_mail,
    support_address,
    immediate_queue,
    django_capture_on_commit_callbacks,
):
    raw = make_mail(sender="someone@acme.test", subject="Uploaded by hand")
    client.force_login(agent)
    assert (
        client.post(
            reverse("mail:inbound_upload"), {"file": SimpleUploadedFile("m.eml", raw)}
        ).status_code
        == 403
    )
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("mail:inbound_upload"), {"file": SimpleUploadedFile("m.eml", raw)}
        )

    row = InboundMail.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mail:inbound_detail", args=[row.pk]
    )
    assert (row.source, row.status) == ("upload", InboundStatus.PROCESSED)


def test_an_admin_manages_support_addresses_on_the_page(
    client, admin_user, support_address, billing_group
):
    client.force_login(admin_user)

    added = client.post(
        reverse("mail:addresses"),
        {
            "address": "Billing@Tierdesk.test",
            "name": "Billing",
            "group": billing_group.pk,
            "is_default": "on",
        },
    )
    billing = SupportAddress.objects.get(address="billing@tierdesk.test")
    support_address.refresh_from_db()
    refused = client.post(reverse("mail:addresses"), {"address": "billing@tierdesk.test"})
    deleted_default = client.post(
        reverse("mail:address", args=[billing.pk]), {"delete": "1"}, follow=True
    )
    edited = client.post(
        reverse("mail:address", args=[support_address.pk]),
        {"address": "help@tierdesk.test", "name": "Help", "is_default": "on"},
    )

    assert added.status_code == 302 and billing.is_default and billing.group == billing_group
    assert not support_address.is_default
    assert "is already a support address" in refused.content.decode()
    assert "mark another as the default first" in deleted_default.content.decode()
    assert edited.status_code == 302
    support_address.refresh_from_db()
    assert (support_address.address, support_address.is_default) == ("help@tierdesk.test", True)
    assert SupportAddress.objects.filter(is_default=True).count() == 1


def test_agents_read_support_addresses_but_do_not_change_them(client, agent, support_address):
    client.force_login(agent)

    page = client.get(reverse("mail:addresses")).content.decode()

    assert "support@tierdesk.test" in page and "Add a support address" not in page
    assert client.post(reverse("mail:addresses"), {"address": "x@tierdesk.test"}).status_code == 403
    assert client.get(reverse("mail:address", args=[support_address.pk])).status_code == 403


def test_the_timeline_shows_the_quoted_history_collapsed(
    client, agent, deliver, make_mail, support_address, alice
):
    row = deliver(
        make_mail(
            sender=alice.email,
            text="Still broken.\n\nOn Mon, 2 Mar 2026, Support <support@tierdesk.test> wrote:\n> Try again",
        )
    )
    client.force_login(agent)

    page = client.get(reverse("tickets:detail", args=[row.ticket_id])).content.decode()

    assert "Still broken." in page
    assert "<details" in page and "Quoted history" in page and "&gt; Try again" in page
