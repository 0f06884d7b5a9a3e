"""The escalations API: shapes and status codes of escalate (and who may), list, accept,
return, resolve, withdraw, the counts, and the complaint owner."""

from __future__ import annotations

import time_machine

from conftest import make_person
from tierdesk.accounts.choices import Role, Tier
from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.escalations.tests.conftest import PACKAGE
from tierdesk.tickets.services import ticket_update


def post(client, path, body=None, **headers):
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def test_escalating_answers_201_with_the_escalation_and_its_id(ticket, agent):
    response = post(
        client_for(agent),
        f"{API}/tickets/{ticket.number}/escalations",
        {"to_tier": 2, **PACKAGE, "links": ["https://status.example/1"]},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    escalation = Escalation.objects.get()
    assert body["id"] == escalation.pk
    assert body["ticket"] == ticket.number
    assert (body["from_tier"], body["to_tier"], body["status"]) == (1, 2, "requested")
    assert body["requested_by"]["username"] == "agent"
    assert body["accepted_by"] is None
    assert body["summary"] == PACKAGE["summary"]
    assert body["links"] == ["https://status.example/1"]
    assert body["attachments"] == []


def test_without_to_tier_the_ticket_goes_one_tier_up(ticket, agent):
    response = post(client_for(agent), f"{API}/tickets/{ticket.number}/escalations", PACKAGE)

    assert response.status_code == 201, response.json()
    assert (response.json()["from_tier"], response.json()["to_tier"]) == (1, 2)


def test_an_idempotency_key_creates_one_escalation(ticket, agent):
    client = client_for(agent)
    path = f"{API}/tickets/{ticket.number}/escalations"

    first = post(client, path, {"to_tier": 2, **PACKAGE}, **{"Idempotency-Key": "k1"})
    again = post(client, path, {"to_tier": 2, **PACKAGE}, **{"Idempotency-Key": "k1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Escalation.objects.count() == 1


def test_a_missing_package_is_422_naming_each_field(ticket, backline):
    ticket.tier = 2
    ticket.save(update_fields=["tier"])

    response = post(
        client_for(backline), f"{API}/tickets/{ticket.number}/escalations", {"to_tier": 3}
    )

    assert response.status_code == 422
    assert fields(response) == {
        "summary",
        "customer_impact",
        "tried",
        "steps_to_reproduce",
        "expected_result",
        "actual_result",
        "environment",
    }


def test_a_second_escalation_is_409(ticket, agent, escalate):
    escalate(agent, ticket)

    response = post(
        client_for(agent), f"{API}/tickets/{ticket.number}/escalations", {"to_tier": 2, **PACKAGE}
    )

    assert response.status_code == 409


def test_escalating_a_ticket_a_colleague_holds_is_403_naming_them(ticket, agent, manager):
    mia = make_person("mia", role=Role.AGENT, tier=Tier.FRONT_LINE)
    ticket_update(actor=mia, ticket=ticket, changes={"assignee": mia})
    path = f"{API}/tickets/{ticket.number}/escalations"

    refused = post(client_for(agent), path, PACKAGE)
    by_manager = post(client_for(manager), path, PACKAGE)

    assert refused.status_code == 403
    assert refused.json()["detail"] == "Mia holds this ticket; only they or a manager escalate it."
    assert by_manager.status_code == 201, by_manager.json()


def test_tier_1_escalating_a_tier_2_ticket_is_403(ticket, agent, backline):
    ticket_update(actor=backline, ticket=ticket, changes={"tier": Tier.BACK_LINE})

    response = post(client_for(agent), f"{API}/tickets/{ticket.number}/escalations", PACKAGE)

    assert response.status_code == 403
    assert "escalating it is for tier 2 engineers or a manager" in response.json()["detail"]
    assert Escalation.objects.count() == 0


def test_withdraw(ticket, agent, escalate):
    escalation = escalate(agent, ticket)
    path = f"{API}/escalations/{escalation.pk}/withdraw"

    missing = post(client_for(agent), path, {})
    response = post(client_for(agent), path, {"reason": "The customer found the setting"})
    again = post(client_for(agent), path, {"reason": "Again"})

    assert missing.status_code == 422
    assert fields(missing) == {"reason"}
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["withdraw_reason"] == "The customer found the setting"
    assert body["withdrawn_at"] is not None
    assert again.status_code == 409


def test_withdrawing_someone_elses_is_403_and_an_accepted_one_409(
    accepted, agent, other_backline, alice
):
    path = f"{API}/escalations/{accepted.pk}/withdraw"

    by_colleague = post(client_for(other_backline), path, {"reason": "Not mine"})
    by_customer = post(client_for(alice), path, {"reason": "Not mine"})
    by_requester = post(client_for(agent), path, {"reason": "Too late"})

    assert by_customer.status_code == 403
    # Accepted: nobody withdraws it any more, whoever asks.
    assert by_colleague.status_code == 409
    assert by_requester.status_code == 409
    accepted.refresh_from_db()
    assert accepted.status == EscalationStatus.ACCEPTED


def test_withdrawing_a_requested_escalation_someone_else_made_is_403(
    ticket, agent, backline, escalate
):
    escalation = escalate(agent, ticket)

    response = post(
        client_for(backline), f"{API}/escalations/{escalation.pk}/withdraw", {"reason": "No"}
    )

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Agent escalated this ticket; only they or a manager withdraw the escalation."
    )


def test_customers_get_403_on_their_ticket_and_404_on_others(ticket, alice, oscar):
    path = f"{API}/tickets/{ticket.number}/escalations"

    assert post(client_for(alice), path, {"to_tier": 2, **PACKAGE}).status_code == 403
    assert client_for(alice).get(path).status_code == 403
    assert post(client_for(oscar), path, {"to_tier": 2, **PACKAGE}).status_code == 404
    assert client_for(oscar).get(path).status_code == 404


def test_customers_get_403_on_escalations_and_counts(accepted, alice):
    client = client_for(alice)

    assert post(client, f"{API}/escalations/{accepted.pk}/accept").status_code == 403
    assert client.get(f"{API}/escalations/{accepted.pk}").status_code == 403
    assert client.get(f"{API}/escalations/stats").status_code == 403


def test_a_tickets_escalations_are_listed_newest_first(accepted, backline, agent, escalate):
    post(client_for(backline), f"{API}/escalations/{accepted.pk}/return", {"reason": "Logs?"})
    again = escalate(agent, accepted.ticket)

    response = client_for(agent).get(f"{API}/tickets/{accepted.ticket_id}/escalations")

    assert response.status_code == 200
    assert [(e["id"], e["status"]) for e in response.json()] == [
        (again.pk, "requested"),
        (accepted.pk, "returned"),
    ]
    assert response.json()[1]["return_reason"] == "Logs?"


def test_accept_return_and_resolve(ticket, agent, backline, escalate):
    escalation = escalate(agent, ticket)
    client = client_for(backline)

    accepted = post(client, f"{API}/escalations/{escalation.pk}/accept")
    again = post(client, f"{API}/escalations/{escalation.pk}/accept")
    resolved = post(
        client, f"{API}/escalations/{escalation.pk}/resolve", {"resolution": "Fixed in 4.2.2"}
    )

    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["accepted_by"]["username"] == "backline"
    assert again.status_code == 409
    assert resolved.status_code == 200
    assert resolved.json()["resolution"] == "Fixed in 4.2.2"


def test_accepting_your_own_escalation_is_403(ticket, agent, escalate):
    escalation = escalate(agent, ticket)

    response = post(client_for(agent), f"{API}/escalations/{escalation.pk}/accept")

    assert response.status_code == 403
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.REQUESTED


def test_returning_one_you_do_not_hold_is_403_and_a_reason_is_required(
    accepted, other_backline, backline
):
    path = f"{API}/escalations/{accepted.pk}/return"

    assert post(client_for(other_backline), path, {"reason": "Not mine"}).status_code == 403
    missing = post(client_for(backline), path, {})
    assert missing.status_code == 422
    assert fields(missing) == {"reason"}


def test_an_unknown_escalation_is_404(agent):
    assert client_for(agent).get(f"{API}/escalations/999").status_code == 404


def test_counts_per_engineer_and_group(ticket, agent, backline, back_group, escalate):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        escalation = escalate(agent, ticket, group=back_group)
    with time_machine.travel("2026-03-03 09:00Z", tick=False):
        post(client_for(backline), f"{API}/escalations/{escalation.pk}/accept")
    with time_machine.travel("2026-03-10 09:00Z", tick=False):
        response = client_for(backline).get(
            f"{API}/escalations/stats",
            {"since": "2026-03-02T00:00:00Z", "until": "2026-03-10T00:00:00Z"},
        )

    assert response.status_code == 200
    body = response.json()
    assert body["weeks"] == ["2026-03-02", "2026-03-09"]
    by_name = {row["person"]["username"]: row for row in body["engineers"]}
    assert (by_name["agent"]["requested"], by_name["agent"]["accepted"]) == (1, 0)
    assert by_name["backline"]["accepted_per_week"] == [1, 0]
    [group] = body["groups"]
    assert (group["group"]["name"], group["received"], group["accepted"]) == (
        back_group.name,
        1,
        1,
    )


def test_a_period_ending_before_it_starts_is_422(agent):
    response = client_for(agent).get(
        f"{API}/escalations/stats",
        {"since": "2026-03-10T00:00:00Z", "until": "2026-03-02T00:00:00Z"},
    )

    assert response.status_code == 422
    assert fields(response) == {"until"}


def test_a_manager_flags_a_complaint_and_owns_it(ticket, manager):
    response = client_for(manager).put(
        f"{API}/tickets/{ticket.number}/escalation-owner",
        {"flag": "complaint", "escalation_manager": "manager"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["escalation_flag"] == "complaint"
    assert body["escalation_manager"]["username"] == "manager"


def test_an_agent_flags_but_does_not_name_the_escalation_manager(ticket, agent, manager):
    client = client_for(agent)
    path = f"{API}/tickets/{ticket.number}/escalation-owner"

    flagged = client.put(path, {"flag": "incident"}, content_type="application/json")
    named = client.put(
        path,
        {"flag": "incident", "escalation_manager": manager.pk},
        content_type="application/json",
    )

    assert flagged.status_code == 200
    assert named.status_code == 403


def test_the_escalation_manager_must_be_a_manager(ticket, manager, agent, alice):
    response = client_for(manager).put(
        f"{API}/tickets/{ticket.number}/escalation-owner",
        {"flag": "complaint", "escalation_manager": agent.pk},
        content_type="application/json",
    )
    customer = client_for(alice).put(
        f"{API}/tickets/{ticket.number}/escalation-owner",
        {"flag": "complaint"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"escalation_manager"}
    assert customer.status_code == 403


def test_an_agent_switches_the_flag_and_the_escalation_manager_stays(ticket, agent, manager):
    path = f"{API}/tickets/{ticket.number}/escalation-owner"
    named = client_for(manager).put(
        path,
        {"flag": "complaint", "escalation_manager": manager.pk},
        content_type="application/json",
    )
    switched = client_for(agent).put(path, {"flag": "incident"}, content_type="application/json")
    cleared = client_for(agent).put(path, {"flag": ""}, content_type="application/json")

    assert named.status_code == 200
    assert switched.status_code == 200, switched.json()
    assert switched.json()["escalation_flag"] == "incident"
    assert switched.json()["escalation_manager"]["username"] == "manager"
    # Clearing would drop the escalation manager: theirs to do, and the refusal names them
    assert cleared.status_code == 403
    assert manager.display_name in cleared.json()["detail"]
    ticket.refresh_from_db()
    assert (ticket.escalation_flag, ticket.escalation_manager) == ("incident", manager)
