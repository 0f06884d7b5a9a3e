"""The phone API: reporting calls (create, update, refusals, Idempotency-Key), listing and
reading them, and the stats; who may do which."""

from __future__ import annotations

import pytest
from django.test import Client

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.phone.models import Call
from tierdesk.phone.tests.conftest import at
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_update

RINGING = {
    "external_id": "pbx-4711",
    "caller_number": "+1 (555) 010-2030",
    "queue": "Support EN",
    "offered_at": "2025-03-04T09:59:00Z",
}


def post(client, body, **headers):
    return client.post(f"{API}/calls", body, content_type="application/json", headers=headers)


def test_a_first_report_answers_201_with_the_call_and_its_new_ticket(pbx, dana):
    response = post(client_for(pbx), RINGING)

    assert response.status_code == 201, response.json()
    body = response.json()
    call = Call.objects.get()
    assert body["id"] == call.pk
    assert (body["source"], body["external_id"]) == ("default", "pbx-4711")
    assert (body["caller_number"], body["direction"], body["queue"]) == (
        "+15550102030",
        "inbound",
        "Support EN",
    )
    assert (body["outcome"], body["wait_seconds"], body["answered_within_target"]) == (
        "ringing",
        None,
        None,
    )
    assert body["contact"]["username"] == "dana"
    assert body["ticket"] == call.ticket_id
    assert body["ticket_opened"] is True
    assert Ticket.objects.get().channel == "phone"


def test_a_later_report_of_the_call_answers_200_and_updates_it(pbx, dana, agent):
    client = client_for(pbx)
    post(client, RINGING)

    response = post(
        client,
        {
            "external_id": "pbx-4711",
            "answered_at": "2025-03-04T09:59:14Z",
            "ended_at": "2025-03-04T10:00:00Z",
            "agent": "agent@example.test",
            "recording_url": "https://pbx.example/rec/4711.wav",
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["outcome"], body["wait_seconds"], body["talk_seconds"]) == ("answered", 14, 46)
    assert body["answered_within_target"] is True
    assert body["agent"]["username"] == "agent"
    assert body["recording_url"] == "https://pbx.example/rec/4711.wav"
    assert Call.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_missing_fields_of_a_new_call_are_named(pbx):
    response = post(client_for(pbx), {"queue": "Support EN"})

    assert response.status_code == 422
    assert fields(response) == {"external_id"}

    response = post(client_for(pbx), {"external_id": "x"})

    assert response.status_code == 422
    assert fields(response) == {"caller_number", "offered_at"}


def test_each_bad_field_is_named_with_its_reason(pbx):
    response = post(
        client_for(pbx),
        {
            "external_id": "x",
            "caller_number": "+1555",
            "offered_at": "2025-03-04T09:59:00",
            "direction": "sideways",
            "colour": "blue",
            "ticket": 0,
        },
    )

    assert response.status_code == 422
    errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(errors) == {"offered_at", "direction", "colour", "ticket"}
    assert "time zone" in errors["offered_at"]
    assert errors["colour"] == "Unknown field."


def test_times_out_of_order_are_named(pbx):
    response = post(
        client_for(pbx),
        {**RINGING, "answered_at": "2025-03-04T09:58:00Z", "ended_at": "2025-03-04T09:57:00Z"},
    )

    assert response.status_code == 422
    assert fields(response) == {"answered_at", "ended_at"}
    assert not Call.objects.exists()


def test_a_recording_that_is_no_web_address_is_named(pbx):
    response = post(client_for(pbx), {**RINGING, "recording_url": "file:///etc/passwd"})

    assert response.status_code == 422
    assert fields(response) == {"recording_url"}


def test_files_sent_with_a_report_are_refused_naming_them(pbx):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(pbx).post(
        f"{API}/calls",
        {**RINGING, "recording": SimpleUploadedFile("a.wav", b"RIFF")},
    )

    assert response.status_code == 422
    assert fields(response) == {"recording"}
    assert not Call.objects.exists()


def test_customers_and_reviewers_may_not_report_calls(alice, reviewer):
    for person in (alice, reviewer):
        response = post(client_for(person), RINGING)
        assert response.status_code == 403
    assert not Call.objects.exists()


def test_reporting_needs_credentials(db):
    response = Client().post(f"{API}/calls", RINGING, content_type="application/json")

    assert response.status_code == 401


def test_an_idempotency_key_replays_the_first_answer(pbx, dana):
    client = client_for(pbx)

    first = post(client, RINGING, **{"Idempotency-Key": "r-1"})
    again = post(client, RINGING, **{"Idempotency-Key": "r-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Call.objects.count() == 1


def test_an_idempotency_key_reused_for_another_report_is_refused_naming_it(pbx, dana):
    client = client_for(pbx)
    post(client, RINGING, **{"Idempotency-Key": "r-1"})

    response = post(client, {**RINGING, "queue": "Billing"}, **{"Idempotency-Key": "r-1"})

    assert response.status_code == 422
    assert fields(response) == {"Idempotency-Key"}
    assert Call.objects.get().queue == "Support EN"


def test_the_same_report_without_a_key_still_creates_one_call(pbx, dana):
    client = client_for(pbx)

    first = post(client, RINGING)
    again = post(client, RINGING)

    assert (first.status_code, again.status_code) == (201, 200)
    assert Call.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_a_call_joins_the_ticket_it_names(pbx, dana, ticket):
    response = post(client_for(pbx), {**RINGING, "ticket": ticket.number})

    assert response.status_code == 201
    assert response.json()["ticket"] == ticket.number
    assert response.json()["ticket_opened"] is False
    assert Ticket.objects.count() == 1


# --- reading -----------------------------------------------------------------------------------


@pytest.fixture
def calls(report, dana):
    report("a", caller_number="+15550102030", queue="EN", offered_at=at(0), answered_at=at(9))
    report("b", caller_number="+15550102030", queue="JA", offered_at=at(10), ended_at=at(40))
    report("c", caller_number="+44 20 7946 0000", queue="EN", offered_at=at(20))
    return list(Call.objects.order_by("external_id"))


def test_staff_list_calls_newest_first_with_filters(calls, reviewer):
    client = client_for(reviewer)

    everything = client.get(f"{API}/calls").json()
    by_caller = client.get(f"{API}/calls", {"caller_number": "+1 555-010-2030"}).json()
    abandoned = client.get(f"{API}/calls", {"outcome": "abandoned"}).json()
    en = client.get(f"{API}/calls", {"queue": "EN"}).json()

    assert [c["external_id"] for c in everything["items"]] == ["c", "b", "a"]
    assert everything["next_cursor"] is None
    assert [c["external_id"] for c in by_caller["items"]] == ["b", "a"]
    assert [c["external_id"] for c in abandoned["items"]] == ["b"]
    assert [c["external_id"] for c in en["items"]] == ["c", "a"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2025-03-04T09:00:00"}, "since"),
        ({"outcome": "lost"}, "outcome"),
        ({"agent": "someone"}, "agent"),
        ({"caller_number": "call me"}, "caller_number"),
        ({"limit": 0}, "limit"),
        ({"cursor": "bm9wZQ"}, "cursor"),
    ],
)
def test_bad_list_filters_are_named(calls, agent, params, field):
    response = client_for(agent).get(f"{API}/calls", params)

    assert response.status_code == 422
    assert fields(response) == {field}


def test_the_list_reads_a_fixed_number_of_queries(
    report, dana, agent, django_assert_max_num_queries
):
    for n in range(12):
        report(
            f"n{n}",
            caller_number="+15550102030",
            offered_at=at(n),
            answered_at=at(n + 1),
            agent="agent",
        )
    client = client_for(agent)
    client.get(f"{API}/calls", {"limit": 2})  # the token's first use writes last_used_at

    with django_assert_max_num_queries(3):
        response = client.get(f"{API}/calls", {"limit": 12})

    assert len(response.json()["items"]) == 12


def test_a_call_is_read_by_id(calls, agent):
    response = client_for(agent).get(f"{API}/calls/{calls[0].pk}")

    assert response.status_code == 200
    assert response.json()["external_id"] == "a"
    assert response.json()["contact"]["username"] == "dana"


def test_a_call_on_a_restricted_ticket_is_404_for_staff_not_named(calls, agent, backline):
    ticket_update(actor=agent, ticket=calls[0].ticket, changes={"restricted": True})

    assert client_for(backline).get(f"{API}/calls/{calls[0].pk}").status_code == 404
    assert client_for(agent).get(f"{API}/calls/{calls[0].pk}").status_code == 200


def test_a_report_on_a_call_of_a_restricted_ticket_is_404_for_staff_not_named(
    pbx, dana, agent, backline
):
    post(client_for(pbx), {**RINGING, "notes": "Customer's admin password is in the export"})
    call = Call.objects.get()
    ticket_update(actor=agent, ticket=call.ticket, changes={"restricted": True})
    messages_before = call.ticket.messages.count()

    response = post(
        client_for(backline),
        {"external_id": "pbx-4711", "answered_at": "2025-03-04T09:59:14Z", "notes": "Mine now"},
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such call.", "errors": []}
    stored = Call.objects.get()
    assert (stored.answered_at, stored.notes) == (
        None,
        "Customer's admin password is in the export",
    )
    assert call.ticket.messages.count() == messages_before


def test_the_reporter_and_the_staff_named_still_report_on_a_restricted_call(pbx, dana, agent):
    post(client_for(pbx), RINGING)
    call = Call.objects.get()
    ticket_update(actor=agent, ticket=call.ticket, changes={"restricted": True})

    by_pbx = post(
        client_for(pbx), {"external_id": "pbx-4711", "answered_at": "2025-03-04T09:59:14Z"}
    )
    by_agent = post(
        client_for(agent), {"external_id": "pbx-4711", "ended_at": "2025-03-04T10:00:00Z"}
    )

    assert by_pbx.status_code == 200, by_pbx.json()
    assert by_agent.status_code == 200, by_agent.json()
    assert by_agent.json()["outcome"] == "answered"
    assert by_agent.json()["talk_seconds"] == 46


def test_a_call_on_a_restricted_ticket_is_left_out_of_the_list_for_staff_not_named(
    calls, agent, backline
):
    ticket_update(actor=agent, ticket=calls[0].ticket, changes={"restricted": True})

    listed = client_for(backline).get(f"{API}/calls").json()["items"]
    by_id = client_for(backline).get(f"{API}/calls", {"external_id": "a"}).json()["items"]

    assert sorted(c["external_id"] for c in listed) == ["b", "c"]
    assert by_id == []
    assert len(client_for(agent).get(f"{API}/calls").json()["items"]) == 3


def test_customers_read_no_calls_and_no_stats(calls, dana):
    client = client_for(dana)

    assert client.get(f"{API}/calls").status_code == 403
    assert client.get(f"{API}/calls/{calls[0].pk}").status_code == 403
    assert client.get(f"{API}/calls/stats").status_code == 403


def test_an_unknown_call_is_404(agent):
    assert client_for(agent).get(f"{API}/calls/424242").status_code == 404


def test_stats_answer_the_sla_per_queue_and_in_total(calls, agent):
    response = client_for(agent).get(
        f"{API}/calls/stats", {"since": "2025-03-04T00:00:00Z", "until": "2025-03-05T00:00:00Z"}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["target_seconds"], body["target_share"]) == (20, 0.9)
    total = body["total"]
    assert total["queue"] is None
    assert (total["offered"], total["answered"], total["abandoned"], total["ringing"]) == (
        3,
        1,
        1,
        1,
    )
    assert total["answered_within_target"] == 1
    assert total["service_level"] == pytest.approx(1 / 3)
    assert total["target_met"] is False
    assert total["average_wait_seconds"] == 9
    queues = {q["queue"]: q for q in body["queues"]}
    assert set(queues) == {"EN", "JA"}
    assert (queues["JA"]["offered"], queues["JA"]["abandoned"]) == (1, 1)


def test_stats_with_a_backwards_period_name_until(agent):
    response = client_for(agent).get(
        f"{API}/calls/stats", {"since": "2025-03-04T00:00:00Z", "until": "2025-03-03T00:00:00Z"}
    )

    assert response.status_code == 422
    assert fields(response) == {"until"}
