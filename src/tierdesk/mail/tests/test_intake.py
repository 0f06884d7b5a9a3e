"""Inbound mail from the store to the ticket: stored once, processed once, threaded only into
tickets the sender may write to, senders found or created by the rules, files kept within the
limits, failures quarantined and processed again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tierdesk.mail import intake
from tierdesk.mail.addresses import reply_address
from tierdesk.mail.choices import InboundReason, InboundStatus
from tierdesk.mail.intake import (
    inbound_accept,
    inbound_process,
    inbound_process_stale,
    inbound_reprocess,
    inbound_store,
)
from tierdesk.mail.models import InboundMail, Mailbox
from tierdesk.tickets.choices import Channel, MessageKind, Status
from tierdesk.tickets.models import Attachment, Ticket
from tierdesk.tickets.services import ticket_reply, ticket_update

pytestmark = pytest.mark.django_db


# --- storing -----------------------------------------------------------------------------------


def test_the_same_message_twice_is_stored_and_processed_once(
    deliver, make_mail, support_address, alice
):
    raw = make_mail(sender=alice.email, message_id="<once@client.example>")

    first = deliver(raw)
    # A relay's retry, or the same message fetched by IMAP: trace headers added on the way.
    again = deliver(b"Received: from relay.example by mx.tierdesk.test\r\n" + raw, source="imap")

    assert again.pk == first.pk
    assert InboundMail.objects.count() == 1 and Ticket.objects.count() == 1
    assert first.message_id_header == "once@client.example"


def test_a_store_racing_another_with_the_same_message_id_returns_the_winner(
    monkeypatch, make_mail, support_address
):
    raw = make_mail(message_id="<race@client.example>")
    winner = inbound_store(raw, source="smtp")
    # The second store looked before the first committed: it finds nothing and inserts.
    monkeypatch.setattr(intake, "_already_stored", lambda *args: (None, []))

    loser = inbound_store(raw, source="imap")

    assert loser.pk == winner.pk
    assert InboundMail.objects.count() == 1


def test_mail_without_a_message_id_is_told_apart_by_its_bytes_for_a_day(make_mail, support_address):
    raw = make_mail(message_id=None)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = inbound_store(raw, source="imap")
        assert inbound_store(raw, source="imap").pk == first.pk
        other = inbound_store(raw + b"\r\n", source="imap")
    assert other.pk != first.pk and first.message_id_header == ""
    with time_machine.travel(start + intake.DEDUPE_WINDOW + timedelta(minutes=1), tick=False):
        later = inbound_store(raw, source="imap")
    assert later.pk not in {first.pk, other.pk}


def test_oversize_mail_is_kept_in_part_and_quarantined(
    settings, make_mail, django_capture_on_commit_callbacks
):
    settings.TIERDESK_MAIL_MAX_BYTES = 2048
    raw = make_mail(text="x" * 5000)
    with django_capture_on_commit_callbacks() as queued:
        row = inbound_store(raw, source="upload")

    assert (row.status, row.reason_code) == (InboundStatus.QUARANTINED, InboundReason.OVERSIZE)
    assert row.size == len(raw) and bytes(row.raw) == raw[: intake.OVERSIZE_KEEP_BYTES]
    assert str(len(raw)) in row.reason
    assert queued == []
    with pytest.raises(Conflict):
        inbound_reprocess(actor=None, inbound=row)


def test_processing_is_queued_once_the_row_commits(make_mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        row = inbound_store(make_mail(), source="smtp", recipients=["Support@Tierdesk.test"])

    assert row.status == InboundStatus.RECEIVED and len(queued) == 1
    assert row.recipients == ["Support@Tierdesk.test"]
    with pytest.raises(ValidationFailed) as refused:
        inbound_store(make_mail(), source="carrier-pigeon")
    assert "source" in refused.value.errors


# --- senders and tickets -----------------------------------------------------------------------


def test_a_customer_writing_in_opens_an_email_ticket_in_the_addresss_group(
    deliver, make_mail, support_address, alice
):
    row = deliver(make_mail(sender=f"Alice <{alice.email.upper()}>"))

    assert (row.status, row.reason_code, row.reason) == (InboundStatus.PROCESSED, "", "")
    ticket = row.ticket
    assert (ticket.requester, ticket.channel, ticket.group) == (
        alice,
        Channel.EMAIL,
        support_address.group,
    )
    assert ticket.subject == "Dashboards time out"
    assert row.message.body_text == "Every dashboard fails with ERR_QUERY_TIMEOUT since 4.2."
    assert (row.message.channel, row.message.author) == (Channel.EMAIL, alice)
    assert row.from_address == alice.email and row.subject == "Dashboards time out"
    assert row.processed_at is not None and row.attempts == 1


def test_the_address_written_to_chooses_the_group(deliver, make_mail, billing_address, alice):
    direct = deliver(
        make_mail(sender=alice.email, to="billing@tierdesk.test"),
        recipients=["billing@tierdesk.test"],
    )
    tagged = deliver(make_mail(sender=alice.email), recipients=["Billing+invoices@Tierdesk.test"])
    unknown = deliver(
        make_mail(sender=alice.email, to="sales@tierdesk.test"), recipients=["sales@tierdesk.test"]
    )
    mailbox = Mailbox.objects.create(
        name="Billing inbox",
        host="imap.test",
        username="u",
        password="p",
        support_address=billing_address,
    )
    polled = deliver(
        make_mail(sender=alice.email, to="someone@else.test"),
        recipients=[],
        source="imap",
        mailbox=mailbox,
    )

    assert direct.ticket.group == billing_address.group
    assert tagged.ticket.group == billing_address.group
    assert unknown.ticket.group.name == "Front desk"  # the default address's group
    assert polled.ticket.group == billing_address.group


def test_an_unknown_sender_of_a_customers_domain_becomes_its_contact(
    deliver, make_mail, support_address, acme, settings
):
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "hold"  # the domain decides, whatever the setting

    row = deliver(make_mail(sender="Bob van Dijk <Bob@EU.acme.test>"))

    bob = User.objects.get(email="bob@eu.acme.test")
    assert (bob.role, bob.organization, bob.first_name, bob.last_name) == (
        Role.CUSTOMER,
        acme,
        "Bob van",
        "Dijk",
    )
    assert not bob.has_usable_password()
    assert row.ticket.requester == bob and row.ticket.organization == acme


def test_other_unknown_senders_become_contacts_without_an_organization(
    deliver, make_mail, support_address, settings
):
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "create"

    row = deliver(
        make_mail(
            sender="山田 太郎 <taro@freemail.test>",
            subject="ログインできません",
            text="パスワードを再設定できません。",
        )
    )

    taro = User.objects.get(email="taro@freemail.test")
    assert taro.organization is None and taro.language == "ja"
    assert row.ticket.requester == taro and row.ticket.organization is None
    assert row.ticket.language == "ja"


def test_held_unknown_senders_wait_for_a_manager_who_accepts_them(
    deliver, make_mail, support_address, settings, manager, agent
):
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "hold"

    row = deliver(make_mail(sender="stranger@freemail.test"))

    assert (row.status, row.reason_code, row.reason) == (
        InboundStatus.HELD,
        InboundReason.UNKNOWN_SENDER,
        "stranger@freemail.test",
    )
    assert not User.objects.filter(email="stranger@freemail.test").exists()
    with pytest.raises(PermissionDenied):
        inbound_accept(actor=agent, inbound=row)
    assert inbound_reprocess(actor=manager, inbound=row).status == InboundStatus.HELD

    accepted = inbound_accept(actor=manager, inbound=row)

    assert accepted.status == InboundStatus.PROCESSED
    assert accepted.ticket.requester.email == "stranger@freemail.test"
    with pytest.raises(Conflict):
        inbound_accept(actor=manager, inbound=accepted)
    with pytest.raises(Conflict):
        inbound_reprocess(actor=manager, inbound=accepted)


def test_a_disabled_contact_is_held(deliver, make_mail, support_address, alice, manager):
    alice.is_active = False
    alice.save()

    row = deliver(make_mail(sender=alice.email))

    assert (row.status, row.reason_code) == (InboundStatus.HELD, InboundReason.DISABLED_SENDER)
    assert inbound_accept(actor=manager, inbound=row).ticket.requester == alice


def test_staff_writing_in_open_tickets_in_the_addresss_group(
    deliver, make_mail, billing_address, agent
):
    row = deliver(make_mail(sender=agent.email), recipients=["billing@tierdesk.test"])
    assert row.ticket.requester == agent and row.ticket.group == billing_address.group


def test_mail_without_a_sender_is_quarantined(deliver, support_address):
    row = deliver(b"Subject: who?\r\nMessage-ID: <anon@x>\r\n\r\nHello")
    assert (row.status, row.reason_code) == (InboundStatus.QUARANTINED, InboundReason.NO_SENDER)
    with_envelope = deliver(b"Subject: who?\r\n\r\nHello", envelope_from="<bob@acme.test>")
    assert with_envelope.status == InboundStatus.PROCESSED
    assert with_envelope.ticket.requester.email == "bob@acme.test"


def test_empty_subject_and_body_get_placeholders(deliver, make_mail, support_address, alice):
    row = deliver(make_mail(sender=alice.email, subject="", text=""))
    assert row.ticket.subject == "(no subject)"
    assert row.message.body_text == "(This email has no text.)"


# --- threading ---------------------------------------------------------------------------------


def test_a_reply_to_the_desks_email_continues_the_ticket(
    deliver, make_mail, support_address, ticket, agent
):
    answer = ticket_reply(
        actor=agent, ticket=ticket, body="Please clear the cache.", status=Status.PENDING
    )
    outbound_id = answer.outbound_mail.message_id_header

    row = deliver(
        make_mail(
            sender=ticket.requester.email,
            subject="Re: something else entirely",
            text="Cleared it, still failing.\n\nOn Mon, Support wrote:\n> Please clear the cache.",
            headers={"In-Reply-To": f"<{outbound_id}>", "References": f"<{outbound_id}>"},
        )
    )

    assert row.ticket == ticket and row.reason == "threaded by references"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN  # a customer's answer reopens a pending ticket
    assert row.message.body_text == "Cleared it, still failing."
    assert row.quoted_text == "On Mon, Support wrote:\n> Please clear the cache."
    assert (row.message.channel, row.message.kind) == (Channel.EMAIL, MessageKind.PUBLIC)
    assert Ticket.objects.count() == 1


def test_a_reply_to_the_customers_own_earlier_mail_continues_the_ticket(
    deliver, make_mail, support_address, alice
):
    first = deliver(make_mail(sender=alice.email, message_id="<first@client.example>"))
    second = deliver(
        make_mail(
            sender=alice.email, subject="More", headers={"References": "<first@client.example>"}
        )
    )
    assert second.ticket == first.ticket


def test_the_ticket_number_in_the_subject_threads_a_colleagues_reply(
    deliver, make_mail, support_address, ticket, carol, oscar
):
    colleague = deliver(
        make_mail(sender=carol.email, subject=f"Re: [#{ticket.number}] Query times out")
    )
    outsider = deliver(
        make_mail(sender=oscar.email, subject=f"Re: [#{ticket.number}] Query times out")
    )

    assert colleague.ticket == ticket and colleague.reason == "threaded by subject"
    assert outsider.ticket != ticket and outsider.ticket.requester == oscar


def test_the_signed_reply_address_threads_the_reply(deliver, make_mail, support_address, ticket):
    address = reply_address(ticket)

    row = deliver(
        make_mail(sender=ticket.requester.email, to=address, subject="no number here"),
        recipients=[address],
    )
    forged = deliver(
        make_mail(sender=ticket.requester.email, subject="x"),
        recipients=[address.replace(f"+t{ticket.number}-", f"+t{ticket.number + 1}-")],
    )

    assert row.ticket == ticket and row.reason == "threaded by address"
    assert forged.ticket != ticket


def test_the_token_reader_is_the_outbound_sides(
    monkeypatch, deliver, make_mail, support_address, ticket
):
    from tierdesk.mail import addresses

    monkeypatch.setattr(
        addresses,
        "ticket_number_from_address",
        lambda address: ticket.number if "magic" in address else None,
    )

    row = deliver(
        make_mail(sender=ticket.requester.email, subject="x"), recipients=["magic@tierdesk.test"]
    )

    assert row.ticket == ticket


def test_a_colleagues_mail_into_a_restricted_ticket_opens_a_new_one(
    deliver, make_mail, support_address, ticket, carol, manager
):
    ticket_update(actor=manager, ticket=ticket, changes={"restricted": True})

    row = deliver(make_mail(sender=carol.email, subject=f"Re: [#{ticket.number}] x"))
    own = deliver(make_mail(sender=ticket.requester.email, subject=f"Re: [#{ticket.number}] x"))

    assert row.ticket != ticket
    assert own.ticket == ticket


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(
    deliver, make_mail, support_address, ticket, agent
):
    ticket_update(actor=agent, ticket=ticket, changes={"status": Status.SOLVED})
    ticket_update(actor=agent, ticket=ticket, changes={"status": Status.CLOSED})

    row = deliver(
        make_mail(
            sender=ticket.requester.email, subject=f"Re: [#{ticket.number}] x", text="It is back."
        )
    )

    assert row.ticket != ticket and row.ticket.subject == ticket.subject
    assert row.ticket.channel == Channel.EMAIL or row.message.channel == Channel.EMAIL
    assert row.message.body_text == "It is back."


def test_a_reply_to_a_merged_ticket_goes_where_it_was_merged(
    deliver, make_mail, support_address, ticket, alice
):
    target = Ticket.objects.create(
        subject="Target",
        requester=alice,
        organization=alice.organization,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    Ticket.objects.filter(pk=ticket.pk).update(merged_into=target)

    row = deliver(make_mail(sender=alice.email, subject=f"Re: [#{ticket.number}] x"))

    assert row.ticket == target


# --- content -----------------------------------------------------------------------------------


def test_files_within_the_limits_are_kept_and_the_others_named(
    deliver, make_mail, support_address, alice, settings
):
    settings.TIERDESK_ATTACHMENT_MAX_BYTES = 1000
    raw = make_mail(
        sender=alice.email,
        attachments=[
            ("trace.log", "text/plain", b"ERROR 42\n"),
            ("dump.bin", "application/octet-stream", b"\0" * 2000),
            ("setup.exe", "application/octet-stream", b"MZ..."),
        ],
    )

    row = deliver(raw)

    stored = Attachment.objects.get(message=row.message)
    assert (stored.filename, stored.size) == ("trace.log", 9)
    body = row.message.body_text
    assert (
        "dump.bin (2.0\xa0KB) was not kept: dump.bin is 2000 bytes; the limit is 1000 bytes."
        in body
    )
    assert "setup.exe (5\xa0bytes) was not kept" in body and ".exe are not accepted" in body


def test_html_mail_keeps_sanitised_html_and_names_inline_images(deliver, support_address, alice):
    raw = (
        f"From: {alice.email}\r\nTo: support@tierdesk.test\r\nSubject: Screenshot\r\nMessage-ID: <h@x>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        '<p onclick="x()">See <b>this</b>:</p><img src="cid:shot@x" alt="shot"><script>evil()</script>\r\n'
        "--r\r\nContent-Type: image/png; name=screen.png\r\nContent-ID: <shot@x>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n"
    ).encode()

    row = deliver(raw)

    html = row.message.body_html
    assert "<b>this</b>" in html and "[screen.png]" in html
    assert "onclick" not in html and "evil" not in html and "cid:" not in html
    assert row.message.body_text.startswith("See this:")
    assert Attachment.objects.get(message=row.message).filename == "screen.png"


def test_forwarded_mail_keeps_its_history(deliver, make_mail, support_address, alice):
    text = "FYI, our monitoring sent this.\n\n-----Original Message-----\nFrom: monitor\nSent: now\n\nDisk full"
    row = deliver(make_mail(sender=alice.email, subject="Fwd: Alert", text=text))
    assert row.message.body_text == text and row.quoted_text == ""


# --- failures and reprocessing -----------------------------------------------------------------


def test_a_failure_quarantines_the_message_and_reprocessing_recovers_it(
    monkeypatch, deliver, make_mail, support_address, alice, manager, agent
):
    real_open = intake.ticket_open

    def broken(**kwargs):
        raise RuntimeError("routing table unavailable")

    monkeypatch.setattr(intake, "ticket_open", broken)
    row = deliver(make_mail(sender=alice.email))

    assert (row.status, row.reason_code) == (InboundStatus.QUARANTINED, InboundReason.ERROR)
    assert row.reason == "RuntimeError: routing table unavailable"
    assert row.subject == "Dashboards time out" and row.from_address == alice.email
    assert not Ticket.objects.exists() and row.attempts == 1

    with pytest.raises(PermissionDenied):
        inbound_reprocess(actor=agent, inbound=row)
    monkeypatch.setattr(intake, "ticket_open", real_open)
    again = inbound_reprocess(actor=manager, inbound=row)

    assert (again.status, again.reason_code, again.reason) == (InboundStatus.PROCESSED, "", "")
    assert again.ticket.requester == alice and again.attempts == 2


def test_processing_twice_creates_nothing_twice(make_mail, support_address, alice):
    row = inbound_store(make_mail(sender=alice.email), source="smtp")

    inbound_process(row.pk)
    inbound_process(row.pk)

    assert Ticket.objects.count() == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_the_sweep_processes_mail_whose_task_was_lost(make_mail, support_address, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        row = inbound_store(make_mail(sender=alice.email), source="smtp")
        assert inbound_process_stale() == 0
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert inbound_process_stale() == 1
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED


def test_reprocessing_many_quarantined_messages_for_the_cli(
    monkeypatch, deliver, make_mail, support_address, alice
):
    monkeypatch.setattr(
        intake, "ticket_open", lambda **kwargs: (_ for _ in ()).throw(IntegrityError("x"))
    )
    rows = [deliver(make_mail(sender=alice.email, subject=f"S{n}")) for n in range(2)]
    assert {r.status for r in rows} == {InboundStatus.QUARANTINED}
    monkeypatch.undo()
    seen = []

    done = intake.inbound_reprocess_many(on_each=seen.append)

    assert [r.status for r in done] == [InboundStatus.PROCESSED] * 2 and len(seen) == 2


def test_the_ticket_is_in_the_language_the_mail_is_written_in(
    deliver, make_mail, support_address, oscar, alice
):
    english = deliver(
        make_mail(sender=oscar.email, text="The nightly export has failed three times this week.")
    )
    russian = deliver(
        make_mail(
            sender=alice.email, subject="Выгрузка", text="Ночная выгрузка не работает уже три дня."
        )
    )
    short = deliver(make_mail(sender=oscar.email, subject="?", text="ok"))

    assert (oscar.language, english.ticket.language) == ("ja", "en")
    assert russian.ticket.language == "ru"
    assert short.ticket.language == "ja"  # too short to tell: the person's own


def test_a_reply_reopens_a_solved_ticket(deliver, make_mail, support_address, ticket, agent):
    ticket_update(actor=agent, ticket=ticket, changes={"status": Status.SOLVED})

    row = deliver(
        make_mail(
            sender=ticket.requester.email, subject=f"Re: [#{ticket.number}] x", text="Not fixed."
        )
    )

    ticket.refresh_from_db()
    assert row.ticket == ticket and ticket.status == Status.OPEN


def test_a_new_colleague_of_the_organization_threads_into_its_ticket(
    deliver, make_mail, support_address, ticket
):
    row = deliver(
        make_mail(sender="dana@acme.test", subject=f"Re: [#{ticket.number}] Query times out")
    )

    assert row.ticket == ticket
    assert row.message.author.email == "dana@acme.test"
    assert row.message.author.organization == ticket.organization
