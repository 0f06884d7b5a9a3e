"""Merging a duplicate: messages, files and requester move, the duplicate closes with a note,
both record the merge; and the refusals."""

from __future__ import annotations

import pytest

from conftest import make_person
from tierdesk.accounts.choices import Tier
from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.escalations.models import Escalation
from tierdesk.escalations.services import (
    escalation_accept,
    escalation_create,
    escalation_return,
)
from tierdesk.macros.merge import ticket_merge
from tierdesk.macros.models import TicketCollaborator
from tierdesk.tickets.choices import EventKind, MessageKind, Status
from tierdesk.tickets.models import Attachment, Ticket
from tierdesk.tickets.services import (
    ticket_attach,
    ticket_open,
    ticket_reply,
    ticket_update,
)
from tierdesk.tickets.validation import NewAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(carol):
    """Carol, Alice's colleague, reports the same timeout separately."""
    return ticket_open(actor=carol, subject="Dashboards time out", body="Same here since 4.2")


def escalate(actor, ticket) -> Escalation:
    return escalation_create(
        actor=actor,
        ticket=ticket,
        to_tier=Tier.BACK_LINE,
        summary="Dashboards time out since 4.2",
        customer_impact="Every dashboard fails",
        tried="Cleared the result cache",
    )


def _file(name: str) -> NewAttachment:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return NewAttachment.from_upload(SimpleUploadedFile(name, b"log line", "text/plain"))


def test_merge_moves_messages_files_and_requester_and_records_it(
    engineer, ticket, duplicate, carol
):
    ticket_attach(actor=carol, ticket=duplicate, attachments=[_file("server.log")])
    ticket_reply(actor=engineer, ticket=duplicate, body="Looking into it.")

    survivor = ticket_merge(actor=engineer, source=duplicate, target=ticket)

    duplicate.refresh_from_db()
    assert survivor == ticket
    assert {m.body_text for m in ticket.messages.all()} >= {
        "Same here since 4.2",
        "Looking into it.",
    }
    assert Attachment.objects.get(filename="server.log").ticket_id == ticket.pk
    assert [m.body_text for m in duplicate.messages.all()] == [f"Merged into #{ticket.pk}."]
    assert duplicate.messages.get().kind == MessageKind.INTERNAL
    assert (duplicate.status, duplicate.merged_into) == (Status.CLOSED, ticket)
    collaborator = TicketCollaborator.objects.get(ticket=ticket)
    assert (collaborator.person, collaborator.source_ticket) == (carol, duplicate)
    into = duplicate.events.get(kind=EventKind.MERGED)
    assert (into.field, into.to_value, into.actor) == ("merged_into", str(ticket.pk), engineer)
    merged_from = ticket.events.get(kind=EventKind.MERGED)
    assert merged_from.data["from"] == duplicate.pk
    assert merged_from.data["messages"] == 2
    assert merged_from.data["requesters"] == [carol.pk]


def test_the_same_requester_is_not_added_twice(engineer, ticket, alice):
    other = ticket_open(actor=alice, subject="Timeout again", body="Still")

    ticket_merge(actor=engineer, source=other, target=ticket)

    assert not TicketCollaborator.objects.exists()


def test_a_ticket_cannot_be_merged_into_itself(engineer, ticket):
    with pytest.raises(ValidationFailed) as refusal:
        ticket_merge(actor=engineer, source=ticket, target=ticket)

    assert "into" in refusal.value.errors


def test_tickets_of_other_organizations_are_not_merged(engineer, ticket, oscar):
    theirs = ticket_open(actor=oscar, subject="Timeout", body="x")

    with pytest.raises(ValidationFailed) as refusal:
        ticket_merge(actor=engineer, source=theirs, target=ticket)

    assert "organization" in refusal.value.errors["into"][0]
    assert theirs.messages.count() == 1


def test_closed_tickets_are_not_merged(engineer, ticket, duplicate):
    ticket_reply(actor=engineer, ticket=ticket, body="Fixed", status=Status.SOLVED)
    ticket_update(actor=engineer, ticket=ticket, changes={"status": Status.CLOSED})

    with pytest.raises(ValidationFailed) as into_closed:
        ticket_merge(actor=engineer, source=duplicate, target=ticket)
    with pytest.raises(ValidationFailed) as from_closed:
        ticket_merge(actor=engineer, source=ticket, target=duplicate)

    assert "into" in into_closed.value.errors
    assert "ticket" in from_closed.value.errors


def test_a_restricted_ticket_is_not_merged_into_an_unrestricted_one(engineer, ticket, duplicate):
    ticket_update(actor=engineer, ticket=duplicate, changes={"restricted": True})

    with pytest.raises(ValidationFailed) as refusal:
        ticket_merge(actor=engineer, source=duplicate, target=ticket)

    assert "restricted" in refusal.value.errors["into"][0]
    ticket_update(actor=engineer, ticket=ticket, changes={"restricted": True})
    ticket_merge(actor=engineer, source=duplicate, target=ticket)
    assert ticket.messages.count() == 2


def test_both_tickets_must_be_readable(engineer, teammate, ticket, duplicate):
    ticket_update(actor=engineer, ticket=duplicate, changes={"restricted": True})
    ticket_update(actor=engineer, ticket=ticket, changes={"restricted": True})

    with pytest.raises(NotFound):
        ticket_merge(actor=teammate, source=duplicate, target=ticket)


def test_reviewers_and_customers_do_not_merge(reviewer, alice, ticket, duplicate):
    for person in (reviewer, alice):
        with pytest.raises(PermissionDenied):
            ticket_merge(actor=person, source=duplicate, target=ticket)


def test_additional_requesters_of_the_duplicate_follow_it(engineer, ticket, duplicate, acme):
    dave = make_person("dave", organization=acme)
    third = ticket_open(actor=dave, subject="Me too", body="Timeouts")
    ticket_merge(actor=engineer, source=third, target=duplicate)

    ticket_merge(actor=engineer, source=duplicate, target=ticket)

    assert {c.person.username for c in TicketCollaborator.objects.filter(ticket=ticket)} == {
        "carol",
        "dave",
    }


@pytest.mark.parametrize("accepted", [False, True], ids=["requested", "accepted"])
def test_a_duplicate_with_an_open_escalation_is_not_merged(
    engineer, backline, manager, ticket, duplicate, accepted
):
    escalation = escalate(engineer, duplicate)
    if accepted:
        escalation = escalation_accept(actor=backline, escalation=escalation)

    with pytest.raises(ValidationFailed) as refusal:
        ticket_merge(actor=engineer, source=duplicate, target=ticket)

    assert refusal.value.errors == {
        "ticket": [
            f"#{duplicate.number} has an open escalation to tier 2; resolve or return it first."
        ]
    }
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) != (Status.CLOSED, ticket)
    assert duplicate.messages.count() == 1
    escalation_return(actor=manager, escalation=escalation, reason="Duplicate of another ticket")
    ticket_merge(actor=engineer, source=duplicate, target=ticket)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into == ticket


def test_a_duplicate_merges_into_a_ticket_with_an_open_escalation(engineer, ticket, duplicate):
    escalate(engineer, ticket)

    ticket_merge(actor=engineer, source=duplicate, target=ticket)

    assert Ticket.objects.get(pk=duplicate.pk).merged_into == ticket
