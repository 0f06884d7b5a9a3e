"""Inbound mail and support address API: who may read and act, the error shape, raw uploads
processed like delivered mail, one default address."""

from __future__ import annotations

import pytest

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.mail.choices import InboundStatus
from tierdesk.mail.models import InboundMail, SupportAddress

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(deliver, make_mail, support_address, settings) -> InboundMail:
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "hold"
    return deliver(
        make_mail(
            sender="stranger@freemail.test",
            subject="Export fails",
            text="It fails.\n\nOn Mon, Support <support@tierdesk.test> wrote:\n> Which version?",
        )
    )


def test_staff_list_inbound_mail_by_status(agent, held, deliver, make_mail, alice):
    processed = deliver(make_mail(sender=alice.email))
    client = client_for(agent)

    attention = client.get(f"{API}/mail/inbound", {"status": "attention"}).json()
    everything = client.get(f"{API}/mail/inbound").json()
    page = client.get(f"{API}/mail/inbound", {"before": processed.pk, "limit": 1}).json()

    assert [(m["id"], m["status"], m["reason_code"]) for m in attention] == [
        (held.pk, "held", "unknown_sender")
    ]
    assert [m["id"] for m in everything] == [processed.pk, held.pk]
    assert everything[0]["ticket"] == processed.ticket_id and everything[0]["message"]
    assert [m["id"] for m in page] == [held.pk]
    refused = client.get(f"{API}/mail/inbound", {"status": "lost"})
    assert refused.status_code == 422 and fields(refused) == {"status"}


def test_the_detail_has_headers_and_the_quoted_history_and_raw_is_exact(manager, held):
    client = client_for(manager)
    accepted = client.post(f"{API}/mail/inbound/{held.pk}/accept").json()

    detail = client.get(f"{API}/mail/inbound/{held.pk}").json()
    raw = client.get(f"{API}/mail/inbound/{held.pk}/raw")

    assert accepted["status"] == "processed" and accepted["ticket"]
    assert {"name": "Subject", "value": "Export fails"} in detail["headers"]
    assert detail["quoted_text"].startswith("On Mon, Support")
    assert raw.status_code == 200 and raw.content == bytes(held.raw)


def test_customers_get_403_and_unknown_ids_404(alice, agent, held):
    assert client_for(alice).get(f"{API}/mail/inbound").status_code == 403
    assert client_for(alice).get(f"{API}/mail/inbound/{held.pk}").status_code == 403
    assert client_for(agent).get(f"{API}/mail/inbound/999999").status_code == 404


def test_reprocess_and_accept_are_for_managers_and_admins(agent, manager, admin_user, held):
    assert client_for(agent).post(f"{API}/mail/inbound/{held.pk}/reprocess").status_code == 403
    assert client_for(agent).post(f"{API}/mail/inbound/{held.pk}/accept").status_code == 403

    again = client_for(manager).post(f"{API}/mail/inbound/{held.pk}/reprocess")
    assert again.status_code == 200 and again.json()["status"] == "held"
    accepted = client_for(admin_user).post(f"{API}/mail/inbound/{held.pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "processed"
    conflict = client_for(manager).post(f"{API}/mail/inbound/{held.pk}/reprocess")
    assert conflict.status_code == 409 and "already added to ticket" in conflict.json()["detail"]


def test_admins_upload_raw_mail_processed_like_delivered_mail(
    admin_user,
    agent,
    make_mail,
    support_address,
    alice,
    immediate_queue,
    django_capture_on_commit_callbacks,
):
    raw = make_mail(sender=alice.email, subject="Uploaded", message_id="<upload-1@client.example>")
    denied = client_for(agent).post(f"{API}/mail/inbound", raw, content_type="message/rfc822")
    client = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            f"{API}/mail/inbound?to=support@tierdesk.test", raw, content_type="message/rfc822"
        )
    again = client.post(f"{API}/mail/inbound", raw, content_type="message/rfc822")
    empty = client.post(f"{API}/mail/inbound", b"", content_type="message/rfc822")

    assert denied.status_code == 403
    assert created.status_code == 202
    body = created.json()
    assert (body["source"], body["message_id"], body["recipients"]) == (
        "upload",
        "upload-1@client.example",
        ["support@tierdesk.test"],
    )
    row = InboundMail.objects.get()
    assert row.status == InboundStatus.PROCESSED and row.ticket.subject == "Uploaded"
    assert again.status_code == 202 and again.json()["id"] == row.pk
    assert empty.status_code == 422 and fields(empty) == {"raw"}


def test_the_list_answers_in_a_constant_number_of_queries(
    agent, deliver, make_mail, support_address, alice, django_assert_max_num_queries
):
    client = client_for(agent)
    for n in range(12):
        deliver(make_mail(sender=alice.email, subject=f"Q{n}"))
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/mail/inbound", {"limit": 200})
    assert len(response.json()) == 12


def test_admins_manage_support_addresses_with_one_default(
    admin_user, agent, support_group, billing_group
):
    client = client_for(admin_user)

    first = client.post(
        f"{API}/mail/addresses",
        {"address": "Support@Tierdesk.test", "name": "Support", "group": support_group.pk},
        content_type="application/json",
    )
    second = client.post(
        f"{API}/mail/addresses",
        {"address": "billing@tierdesk.test", "group": "Billing", "is_default": True},
        content_type="application/json",
    )
    duplicate = client.post(
        f"{API}/mail/addresses",
        {"address": "support@tierdesk.test"},
        content_type="application/json",
    )
    bad = client.post(
        f"{API}/mail/addresses",
        {"address": "not-an-address", "group": "Nobody", "colour": "red"},
        content_type="application/json",
    )

    assert first.status_code == 201 and first.json()["is_default"] is True  # the first one
    assert first.json()["address"] == "support@tierdesk.test"
    assert second.status_code == 201 and second.json()["group_name"] == "Billing"
    assert [a["address"] for a in client.get(f"{API}/mail/addresses").json()] == [
        "billing@tierdesk.test",
        "support@tierdesk.test",
    ]
    assert SupportAddress.objects.get(address="support@tierdesk.test").is_default is False
    assert duplicate.status_code == 422 and fields(duplicate) == {"address"}
    assert bad.status_code == 422 and "colour" in fields(bad)

    support_id, billing_id = first.json()["id"], second.json()["id"]
    unmark = client.patch(
        f"{API}/mail/addresses/{billing_id}", {"is_default": False}, content_type="application/json"
    )
    moved = client.patch(
        f"{API}/mail/addresses/{support_id}",
        {"is_default": True, "group": None, "brand": "Tierdesk"},
        content_type="application/json",
    )
    assert unmark.status_code == 422 and fields(unmark) == {"is_default"}
    assert moved.status_code == 200 and moved.json()["group"] is None and moved.json()["is_default"]
    assert client.delete(f"{API}/mail/addresses/{support_id}").status_code == 409
    assert client.delete(f"{API}/mail/addresses/{billing_id}").status_code == 204

    staff = client_for(agent)
    assert staff.get(f"{API}/mail/addresses").status_code == 200
    assert (
        staff.post(
            f"{API}/mail/addresses", {"address": "x@tierdesk.test"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert staff.delete(f"{API}/mail/addresses/{support_id}").status_code == 403
