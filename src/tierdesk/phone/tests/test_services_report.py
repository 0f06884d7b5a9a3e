"""Reporting a call: the ticket it opens or joins, the contact it finds, the updates that follow,
and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.macros.merge import ticket_merge
from tierdesk.phone import services
from tierdesk.phone.models import Call
from tierdesk.phone.tests.conftest import NOW, at
from tierdesk.tickets.choices import Channel, MessageKind, Status
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.services import ticket_open, ticket_update

ANSWERED = {
    "caller_number": "+15550102030",
    "queue": "Support EN",
    "offered_at": at(0),
    "answered_at": at(12),
    "ended_at": at(12 + 250),
}


def refused_fields(excinfo) -> set[str]:
    return set(excinfo.value.errors)


# --- a new call --------------------------------------------------------------------------------


def test_a_call_from_a_known_number_opens_a_phone_ticket_for_the_contact(report, dana, agent):
    result = report(**ANSWERED, agent="agent", notes="Dashboards time out since 4.2")

    call = result.call
    assert result.created
    ticket = call.ticket
    assert (ticket.channel, ticket.requester, ticket.organization) == (
        Channel.PHONE,
        dana,
        dana.organization,
    )
    assert ticket.subject == "Call from Dana (Support EN)"
    first = ticket.messages.get()
    assert (first.kind, first.body_text) == (MessageKind.PUBLIC, "Dashboards time out since 4.2")
    assert call.contact == dana
    assert call.ticket_opened
    assert (call.wait_seconds, call.talk_seconds) == (12, 250)
    assert call.answered_within_target is True


def test_without_notes_the_first_message_says_how_long_the_call_was(report, dana):
    call = report(**ANSWERED).call

    assert call.ticket.messages.get().body_text == "Phone call, 5 min."


def test_numbers_match_whatever_their_formatting(report, dana):
    call = report(**{**ANSWERED, "caller_number": "001-555-010-2030"}).call

    assert call.caller_number == "+15550102030"
    assert call.ticket.requester == dana


def test_caller_name_from_the_telephony_system_names_the_ticket(report, dana):
    call = report(**ANSWERED, caller_name="Dana at Acme reception").call

    assert call.ticket.subject == "Call from Dana at Acme reception (Support EN)"


def test_an_unknown_caller_gets_a_ticket_requested_by_the_reporter_and_tagged(report, pbx):
    call = report(**{**ANSWERED, "caller_number": "+49 30 1234567", "queue": ""}).call

    ticket = call.ticket
    assert call.contact is None
    assert ticket.requester == pbx
    assert ticket.organization is None
    assert ticket.subject == "Call from +49301234567"
    assert ticket.tags == [services.UNKNOWN_CALLER_TAG]


def test_a_withheld_number_is_stored_empty_and_named_so(report, dana):
    call = report(**{**ANSWERED, "caller_number": "anonymous"}).call

    assert call.caller_number == ""
    assert call.contact is None
    assert call.ticket.subject == "Call from a withheld number (Support EN)"


def test_staff_and_disabled_contacts_are_not_matched(report, acme, pbx):
    make_person("colleague", role=Role.AGENT, tier=1, phone="+15550102030")
    make_person("gone", organization=acme, phone="+15550102030", is_active=False)

    call = report(**ANSWERED).call

    assert call.contact is None
    assert call.ticket.requester == pbx


def test_a_shared_number_names_the_contact_with_the_latest_ticket(report, acme):
    first = make_person("first", organization=acme, phone="+15550102030")
    second = make_person("second", organization=acme, phone="+1 555 010 2030")
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        ticket_open(actor=second, subject="Old", body="Old question")
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        ticket_open(actor=first, subject="Newer", body="Newer question")

    assert report(**ANSWERED).call.contact == first


def test_an_outbound_call_is_to_the_customer(report, dana):
    call = report(**ANSWERED, direction="outbound").call

    assert call.ticket.subject == "Call to Dana (Support EN)"
    assert call.answered_within_target is None


def test_an_abandoned_call_records_how_long_the_caller_waited(report, dana):
    call = report(caller_number="+15550102030", offered_at=at(0), ended_at=at(45)).call

    assert (call.outcome, call.wait_seconds, call.talk_seconds) == ("abandoned", 45, None)
    assert call.answered_within_target is False
    assert call.ticket.messages.get().body_text == (
        "Missed call: the caller hung up after 45 s without an answer."
    )
    assert call.ticket.first_responded_at is None


def test_a_ringing_call_has_no_wait_yet(report, dana):
    call = report(caller_number="+15550102030", offered_at=at(0)).call

    assert (call.outcome, call.wait_seconds, call.answered_within_target) == ("ringing", None, None)
    assert call.ticket.messages.get().body_text == "Phone call, waiting for an answer."


def test_a_call_answered_after_20_seconds_misses_the_target(report, dana):
    call = report(**{**ANSWERED, "answered_at": at(21)}).call

    assert call.answered_within_target is False


def test_an_answered_call_is_the_first_response_and_its_agent_takes_the_ticket(report, dana, agent):
    call = report(**ANSWERED, agent="agent").call

    ticket = Ticket.objects.get(pk=call.ticket_id)
    assert ticket.first_responded_at == NOW  # opened now, after the call was answered
    assert ticket.assignee == agent


# --- refusals ----------------------------------------------------------------------------------


def test_a_new_call_without_number_or_offer_time_is_refused_naming_both(report):
    with pytest.raises(ValidationFailed) as excinfo:
        report(queue="Support EN")

    assert refused_fields(excinfo) == {"caller_number", "offered_at"}
    assert not Call.objects.exists()
    assert not Ticket.objects.exists()


def test_times_out_of_order_are_refused_naming_the_later_time(report):
    with pytest.raises(ValidationFailed) as excinfo:
        report(caller_number="+15550102030", offered_at=at(10), answered_at=at(5), ended_at=at(2))

    assert refused_fields(excinfo) == {"answered_at", "ended_at"}


def test_an_end_before_the_answer_is_refused_naming_ended_at(report):
    with pytest.raises(ValidationFailed) as excinfo:
        report(**{**ANSWERED, "ended_at": at(5)})

    assert refused_fields(excinfo) == {"ended_at"}


def test_naive_and_future_times_are_refused(report):
    with pytest.raises(ValidationFailed) as excinfo:
        report(
            caller_number="+15550102030",
            offered_at=at(0).replace(tzinfo=None),
            answered_at=NOW + timedelta(hours=1),
            ended_at="yesterday",
        )

    assert set(excinfo.value.errors) == {"offered_at", "answered_at", "ended_at"}
    assert "time zone" in excinfo.value.errors["offered_at"][0]
    assert "future" in excinfo.value.errors["answered_at"][0]


def test_a_time_a_little_ahead_of_our_clock_is_taken(report):
    call = report(caller_number="+1555", offered_at=NOW + timedelta(minutes=4)).call

    assert call.offered_at == NOW + timedelta(minutes=4)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("caller_number", "call me maybe"),
        ("direction", "sideways"),
        ("recording_url", "ftp://pbx.example/rec/1.wav"),
        ("recording_url", "javascript:alert(1)"),
        ("agent", "nobody"),
        ("ticket", 999_999),
        ("queue", "q" * 101),
        ("notes", "n" * 20_001),
        ("colour", "blue"),
    ],
)
def test_a_bad_field_is_refused_by_name_and_nothing_is_stored(report, field, value):
    with pytest.raises(ValidationFailed) as excinfo:
        report(**{"caller_number": "+15550102030", "offered_at": at(0), field: value})

    assert refused_fields(excinfo) == {field}
    assert not Call.objects.exists()


def test_blank_source_and_call_id_are_refused_naming_them(report):
    with pytest.raises(ValidationFailed) as excinfo:
        report(external_id=" ", source="", caller_number="+1555", offered_at=at(0))

    assert refused_fields(excinfo) == {"external_id", "source"}


def test_reviewers_and_customers_do_not_report_calls(report, reviewer, alice):
    for person in (reviewer, alice):
        with pytest.raises(PermissionDenied):
            report(actor=person, caller_number="+1555", offered_at=at(0))
    assert not Call.objects.exists()


def test_a_reviewer_or_customer_is_no_agent_of_a_call(report, reviewer, alice):
    for person in (reviewer, alice):
        with pytest.raises(ValidationFailed) as excinfo:
            report(caller_number="+1555", offered_at=at(0), agent=person.username)
        assert refused_fields(excinfo) == {"agent"}


def test_the_agent_is_named_by_id_username_or_email(report, agent):
    for n, reference in enumerate((agent.pk, "agent", "AGENT@example.test")):
        call = report(f"call-{n}", caller_number="+1555", offered_at=at(0), agent=reference).call
        assert call.agent == agent


# --- later reports of the same call ------------------------------------------------------------


def test_later_reports_update_the_call_and_note_it_on_its_ticket(report, dana, agent):
    first = report(caller_number="+15550102030", queue="Support EN", offered_at=at(0))
    answered = report(answered_at=at(8), agent="agent")
    ended = report(ended_at=at(8 + 95), recording_url="https://pbx.example/rec/1.wav")

    assert first.created
    assert not answered.created
    assert not ended.created
    call = Call.objects.get()
    assert (call.wait_seconds, call.talk_seconds, call.agent) == (8, 95, agent)
    assert Ticket.objects.count() == 1
    notes = list(
        call.ticket.messages.filter(kind=MessageKind.INTERNAL).values_list("body_text", flat=True)
    )
    assert notes == [
        "Call answered by Agent after 8 s.",
        "Call ended after 1 min 35 s of talk.\nRecording: https://pbx.example/rec/1.wav",
    ]
    ticket = Ticket.objects.get()
    assert ticket.first_responded_at == NOW
    assert ticket.assignee == agent


def test_the_same_report_twice_changes_nothing_and_notes_nothing(report, dana):
    report(**ANSWERED, notes="Password reset")
    updated_at = Call.objects.get().updated_at

    again = report(**ANSWERED, notes="Password reset")

    assert not again.created
    assert Call.objects.get().updated_at == updated_at
    assert not Message.objects.filter(kind=MessageKind.INTERNAL).exists()


def test_notes_sent_later_become_an_internal_note(report, dana):
    report(**ANSWERED)

    report(notes="Customer will send the query log.")

    note = Message.objects.get(kind=MessageKind.INTERNAL)
    assert note.body_text == "Notes:\nCustomer will send the query log."


def test_a_call_moved_to_another_queue_and_agent_says_so(report, dana, agent, backline):
    report(caller_number="+15550102030", queue="Support EN", offered_at=at(0))
    report(answered_at=at(5), agent="agent")

    report(queue="Back line", agent="backline")

    last = Message.objects.filter(kind=MessageKind.INTERNAL).last()
    assert last.body_text == "Call now with Backline.\nCall moved to queue Back line."


def test_an_answer_is_not_taken_back(report, dana):
    report(**ANSWERED)

    with pytest.raises(ValidationFailed) as excinfo:
        report(answered_at=None, ended_at=None)

    assert refused_fields(excinfo) == {"answered_at", "ended_at"}
    assert Call.objects.get().answered_at == ANSWERED["answered_at"]


def test_a_calls_number_and_direction_do_not_change(report, dana):
    report(**ANSWERED)

    with pytest.raises(ValidationFailed) as excinfo:
        report(caller_number="+15559999999", direction="outbound")

    assert refused_fields(excinfo) == {"caller_number", "direction"}


def test_a_later_report_cannot_move_the_call_to_another_ticket(report, dana, ticket):
    report(**ANSWERED)

    with pytest.raises(ValidationFailed) as excinfo:
        report(ticket=ticket.number)

    assert refused_fields(excinfo) == {"ticket"}


def test_corrected_times_are_measured_again(report, dana):
    report(**ANSWERED)

    report(answered_at=at(30))

    call = Call.objects.get()
    assert (call.wait_seconds, call.talk_seconds) == (30, 232)
    assert Message.objects.get(kind=MessageKind.INTERNAL).body_text == (
        "Call times corrected: wait 30 s, talk 3 min 52 s."
    )


def test_the_same_call_id_from_another_source_is_another_call(report, dana):
    report(**ANSWERED)
    report(source="eu-pbx", **ANSWERED)

    assert Call.objects.count() == 2
    assert Ticket.objects.count() == 2


# --- joining an existing ticket ----------------------------------------------------------------


def test_a_call_naming_a_ticket_joins_it_with_an_internal_note(report, dana, ticket):
    call = report(
        **ANSWERED,
        direction="outbound",
        ticket=ticket.number,
        notes="Walked through the fix",
        recording_url="https://pbx.example/rec/2.wav",
    ).call

    assert call.ticket == ticket
    assert not call.ticket_opened
    assert Ticket.objects.count() == 1
    note = ticket.messages.get(kind=MessageKind.INTERNAL)
    assert note.body_text == (
        "Call to +15550102030.\nPhone call, 5 min.\nRecording: https://pbx.example/rec/2.wav\n"
        "Notes:\nWalked through the fix"
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at == NOW  # the ticket was opened after the call's answer


def test_a_call_naming_a_closed_ticket_opens_its_follow_up(report, dana, agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})

    call = report(**ANSWERED, ticket=ticket.number).call

    assert call.ticket != ticket
    assert call.ticket_opened
    assert call.ticket.channel == Channel.PHONE
    assert call.ticket.requester == ticket.requester
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_updates_of_a_call_whose_ticket_was_merged_go_to_the_surviving_ticket(report, dana, agent):
    call = report(caller_number="+15550102030", offered_at=at(0)).call
    survivor = ticket_open(actor=dana, subject="Same problem", body="By mail too")
    ticket_merge(actor=agent, source=call.ticket, target=survivor)

    report(answered_at=at(4))

    assert survivor.messages.filter(
        kind=MessageKind.INTERNAL, body_text__startswith="Call answered"
    )
    assert not call.ticket.messages.filter(body_text__startswith="Call answered").exists()


def test_a_ticket_the_reporter_may_not_read_is_refused(report, dana, backline, alice):
    hidden = ticket_open(actor=backline, subject="Secret", body="Only me", requester=alice)
    ticket_update(actor=backline, ticket=hidden, changes={"restricted": True})

    with pytest.raises(ValidationFailed) as excinfo:
        report(**ANSWERED, ticket=hidden.number)

    assert refused_fields(excinfo) == {"ticket"}


# --- who may report on a stored call ----------------------------------------------------------


def _restricted_call(report, agent):
    """A call the telephony system reported, whose ticket `agent` then restricts (naming only
    themselves)."""
    call = report(caller_number="+15550102030", queue="Support EN", offered_at=at(0)).call
    ticket_update(actor=agent, ticket=call.ticket, changes={"restricted": True})
    return Call.objects.get(pk=call.pk)


def test_staff_not_named_on_a_calls_restricted_ticket_may_not_report_on_the_call(
    report, dana, agent, backline
):
    call = _restricted_call(report, agent)
    notes_before = Message.objects.filter(ticket=call.ticket).count()

    with pytest.raises(NotFound) as excinfo:
        report(
            actor=backline,
            answered_at=at(5),
            agent="backline",
            notes="Read me",
            recording_url="https://pbx.example/rec/1.wav",
        )

    assert str(excinfo.value) == "No such call."
    stored = Call.objects.get(pk=call.pk)
    assert (stored.answered_at, stored.agent, stored.notes, stored.recording_url) == (
        None,
        None,
        "",
        "",
    )
    assert stored.updated_at == call.updated_at
    assert Message.objects.filter(ticket=call.ticket).count() == notes_before
    assert Ticket.objects.get(pk=call.ticket_id).first_responded_at is None


def test_a_refused_report_on_a_restricted_call_reveals_nothing_through_its_errors(
    report, dana, agent, backline
):
    _restricted_call(report, agent)

    # A number or direction other than the stored one would name the stored one in a 422.
    with pytest.raises(NotFound):
        report(actor=backline, caller_number="+15559999999", direction="outbound")


def test_the_reporter_and_the_staff_named_on_the_ticket_still_report_on_a_restricted_call(
    report, dana, agent
):
    call = _restricted_call(report, agent)

    report(answered_at=at(5))  # the telephony system that reported the call
    report(actor=agent, ended_at=at(65), notes="Restarted the exporter")

    stored = Call.objects.get(pk=call.pk)
    assert (stored.answered_at, stored.ended_at, stored.notes) == (
        at(5),
        at(65),
        "Restarted the exporter",
    )
    notes = call.ticket.messages.filter(kind=MessageKind.INTERNAL)
    assert notes.filter(author__username="pbx", body_text__startswith="Call answered").exists()
    assert notes.filter(author=agent, body_text__contains="Restarted the exporter").exists()


def test_other_staff_report_on_a_call_whose_ticket_is_not_restricted(report, dana, backline):
    call = report(caller_number="+15550102030", offered_at=at(0)).call

    result = report(actor=backline, answered_at=at(7), agent="backline")

    assert not result.created
    assert Call.objects.get(pk=call.pk).agent == backline


def test_a_report_losing_the_race_to_a_call_on_a_restricted_ticket_is_refused(
    report, dana, agent, backline, monkeypatch
):
    call = _restricted_call(report, agent)
    real = services._locked_call
    looks = []

    def first_misses(source, external_id):
        looks.append(source)
        return None if len(looks) == 1 else real(source, external_id)

    monkeypatch.setattr(services, "_locked_call", first_misses)

    with pytest.raises(NotFound):
        report(actor=backline, caller_number="+15550102030", offered_at=at(0), answered_at=at(6))

    assert Call.objects.get(pk=call.pk).answered_at is None
    assert Call.objects.count() == 1


# --- two reports of one new call at once -------------------------------------------------------


def test_a_report_losing_the_race_to_create_updates_the_winners_call(report, dana, monkeypatch):
    report(caller_number="+15550102030", queue="Support EN", offered_at=at(0))
    real = services._locked_call
    calls = []

    def first_misses(source, external_id):
        # The first look finds nothing, as it would for a report racing the winner's commit.
        calls.append(source)
        return None if len(calls) == 1 else real(source, external_id)

    monkeypatch.setattr(services, "_locked_call", first_misses)

    result = report(caller_number="+15550102030", offered_at=at(0), answered_at=at(6))

    assert not result.created
    assert Call.objects.get().answered_at == at(6)
    assert Ticket.objects.count() == 1
