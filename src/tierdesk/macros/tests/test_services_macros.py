"""Macros: who may write which, which are available to whom, and applying one — reply or note,
field changes and events in one transaction, all or nothing."""

from __future__ import annotations

import pytest

from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.macros.models import Macro
from tierdesk.macros.selectors import macros_available, macros_visible_to
from tierdesk.macros.services import (
    macro_apply,
    macro_create,
    macro_delete,
    macro_render,
    macro_update,
)
from tierdesk.macros.tests.conftest import make_macro
from tierdesk.tickets.choices import EventKind, MessageKind, Status
from tierdesk.tickets.models import Message, Ticket, TicketEvent
from tierdesk.tickets.services import ticket_claim

pytestmark = pytest.mark.django_db


# --- who may write which macro -----------------------------------------------------------------


def test_an_engineer_creates_a_personal_macro_for_themselves(engineer):
    macro = macro_create(actor=engineer, name="  Ask   for logs ", body="Please send logs.")

    assert (macro.name, macro.owner, macro.group, macro.scope) == (
        "Ask for logs",
        engineer,
        None,
        "personal",
    )


def test_a_group_member_creates_a_group_macro_and_an_outsider_may_not(engineer, outsider, group):
    macro = macro_create(actor=engineer, name="Known issue", body="x", scope="group", group=group)
    assert macro.group == group

    with pytest.raises(PermissionDenied):
        macro_create(actor=outsider, name="Known issue", body="x", scope="group", group=group)
    with pytest.raises(PermissionDenied):
        macro_update(actor=outsider, macro=macro, changes={"name": "Mine now"})


def test_a_manager_manages_any_groups_macros(manager, group):
    macro = macro_create(actor=manager, name="Team reply", body="x", scope="group", group=group)

    macro_update(actor=manager, macro=macro, changes={"body": "y"})

    assert Macro.objects.get(pk=macro.pk).body == "y"


def test_only_administrators_create_global_macros(engineer, manager, admin_user):
    for person in (engineer, manager):
        with pytest.raises(PermissionDenied):
            macro_create(actor=person, name="Everyone", body="x", scope="global")

    macro = macro_create(actor=admin_user, name="Everyone", body="x", scope="global")

    assert macro.scope == "global"


def test_a_personal_macro_is_its_owners_alone(engineer, teammate, admin_user):
    macro = macro_create(actor=engineer, name="Mine", body="x")

    for person in (teammate, admin_user):
        with pytest.raises(PermissionDenied):
            macro_delete(actor=person, macro=macro)
    macro_delete(actor=engineer, macro=macro)

    assert not Macro.objects.exists()


def test_customers_use_no_macros(alice):
    with pytest.raises(PermissionDenied):
        macro_create(actor=alice, name="Mine", body="x")


def test_each_refused_field_is_named(engineer):
    with pytest.raises(ValidationFailed) as refusal:
        macro_create(
            actor=engineer,
            name="",
            kind="shout",
            scope="group",
            changes={
                "status": "closed",
                "priority": "asap",
                "colour": "red",
                "group": "No such team",
                "assignee": "liam",
                "tags_add": ["bad tag!"],
            },
        )

    assert set(refusal.value.errors) == {
        "name",
        "kind",
        "group",
        "changes.status",
        "changes.priority",
        "changes.colour",
        "changes.group",
        "changes.assignee",
        "changes.tags_add",
    }


def test_a_macro_writes_something(engineer):
    with pytest.raises(ValidationFailed) as refusal:
        macro_create(actor=engineer, name="Nothing", body="  ", changes={})

    assert "body" in refusal.value.errors


# --- availability ------------------------------------------------------------------------------


def test_available_macros_are_mine_my_groups_and_global(
    engineer, teammate, outsider, group, other_group, ticket
):
    mine = make_macro("Mine", owner=engineer, body="x")
    make_macro("Liam's", owner=teammate, body="x")
    ours = make_macro("Ours", group=group, body="x")
    make_macro("Theirs", group=other_group, body="x")
    everyone = make_macro("Everyone", body="x")

    assert list(macros_available(engineer, ticket)) == [everyone, mine, ours]
    assert {m.name for m in macros_available(outsider, ticket)} == {"Everyone", "Theirs"}


def test_managers_see_every_groups_macros_but_nobodys_personal_ones(
    manager, engineer, group, other_group
):
    make_macro("Mine", owner=engineer, body="x")
    make_macro("Ours", group=group, body="x")
    make_macro("Theirs", group=other_group, body="x")

    assert {m.name for m in macros_visible_to(manager)} == {"Ours", "Theirs"}
    assert not macros_available(manager).exists()


def test_reviewers_get_note_macros_only_and_closed_tickets_none(reviewer, ticket):
    make_macro("Reply", body="x")
    note = make_macro("Note", kind="note", body="x")

    assert list(macros_available(reviewer, ticket)) == [note]
    ticket.status = Status.CLOSED
    assert not macros_available(reviewer, ticket).exists()


# --- apply -------------------------------------------------------------------------------------


def test_applying_a_reply_macro_writes_the_reply_changes_and_events(engineer, ticket, group):
    ticket.tags = ["new", "upgrade"]
    ticket.save()
    macro = make_macro(
        "Ask for logs",
        group=group,
        body="Hi {{ requester.first_name }}, please send the logs for #{{ ticket.number }}.\n"
        "{{ agent.first_name }}",
        changes={
            "status": "pending",
            "priority": "high",
            "tags_add": ["logs-requested"],
            "tags_remove": ["new"],
            "assignee": "me",
        },
    )

    message = macro_apply(actor=engineer, ticket=ticket, macro=macro)

    ticket.refresh_from_db()
    assert message.kind == MessageKind.PUBLIC
    assert message.body_text == (f"Hi Alice, please send the logs for #{ticket.number}.\nEmma")
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.tags) == (
        Status.PENDING,
        "high",
        engineer,
        ["upgrade", "logs-requested"],
    )
    assert ticket.first_responded_at is not None
    written = TicketEvent.objects.filter(ticket=ticket, actor=engineer)
    assert {(e.kind, e.field) for e in written} >= {
        (EventKind.MESSAGE, ""),
        (EventKind.CHANGED, "status"),
        (EventKind.CHANGED, "priority"),
        (EventKind.CHANGED, "tags"),
        (EventKind.CHANGED, "assignee"),
    }
    assert all(e.data.get("macro") == "Ask for logs" for e in written)
    assert not TicketEvent.objects.filter(ticket=ticket, actor=None, data__has_key="macro")
    assert Macro.objects.get(pk=macro.pk).usage_count == 1


def test_a_note_macro_writes_an_internal_note(engineer, ticket):
    macro = make_macro(
        "Escalation check", kind="note", body="Checked known issues for {{ ticket.subject }}."
    )

    message = macro_apply(actor=engineer, ticket=ticket, macro=macro)

    assert message.kind == MessageKind.INTERNAL
    assert message.body_text == "Checked known issues for Query times out after upgrade."


def test_a_macro_without_text_only_changes_fields(engineer, ticket, other_group):
    macro = make_macro(
        "To integrations", changes={"group": other_group.pk, "assignee": "none", "type": "problem"}
    )

    assert macro_apply(actor=engineer, ticket=ticket, macro=macro) is None

    ticket.refresh_from_db()
    assert (ticket.group, ticket.type) == (other_group, "problem")
    assert not Message.objects.filter(ticket=ticket, author=engineer).exists()


def test_a_refused_change_rolls_back_the_reply_and_every_change(engineer, ticket, other_group):
    macro = make_macro(
        "To a team that is gone",
        body="Moving this to the integrations team.",
        changes={"priority": "urgent", "group": other_group.pk},
    )
    other_group.delete()
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    with pytest.raises(ValidationFailed) as refusal:
        macro_apply(actor=engineer, ticket=ticket, macro=macro)

    ticket.refresh_from_db()
    assert "group" in refusal.value.errors
    assert ticket.priority == "normal"
    assert ticket.messages.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_taking_a_ticket_another_engineer_holds_is_refused_and_writes_nothing(
    engineer, teammate, ticket
):
    ticket_claim(actor=teammate, ticket=ticket)
    macro = make_macro(
        "Take it and ask for logs",
        body="Please send the logs.",
        changes={"priority": "high", "tags_add": ["logs-requested"], "assignee": "me"},
    )
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    with pytest.raises(ValidationFailed) as refusal:
        macro_apply(actor=engineer, ticket=ticket, macro=macro)

    assert set(refusal.value.errors) == {"changes.assignee"}
    assert teammate.display_name in refusal.value.errors["changes.assignee"][0]
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority, ticket.tags) == (teammate, "normal", [])
    assert ticket.messages.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_taking_a_ticket_i_already_hold_applies_the_macro(engineer, ticket):
    ticket_claim(actor=engineer, ticket=ticket)
    macro = make_macro("Mine, urgent", changes={"priority": "urgent", "assignee": "me"})

    macro_apply(actor=engineer, ticket=ticket, macro=macro)

    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority) == (engineer, "urgent")


def test_unassigning_a_ticket_someone_else_holds_still_works(engineer, teammate, ticket):
    ticket_claim(actor=teammate, ticket=ticket)
    macro = make_macro("Back to the queue", changes={"assignee": "none"})

    macro_apply(actor=engineer, ticket=ticket, macro=macro)

    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_someone_elses_personal_macro_cannot_be_applied(engineer, teammate, ticket):
    macro = make_macro("Liam's", owner=teammate, body="x")

    with pytest.raises(NotFound):
        macro_apply(actor=engineer, ticket=ticket, macro=macro)


def test_the_preview_renders_and_writes_nothing(engineer, ticket):
    macro = make_macro("Solved", body="Thanks {{ requester.name }}!", changes={"status": "solved"})

    preview = macro_render(actor=engineer, ticket=ticket, macro=macro)

    assert (preview.body, preview.changes) == ("Thanks Alice!", {"status": "solved"})
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW
    assert ticket.messages.count() == 1


# --- demo --------------------------------------------------------------------------------------


def test_the_demo_macros_are_valid_and_seeded_once(admin_user):
    from tierdesk.accounts.models import SkillGroup
    from tierdesk.macros.demo import DEMO_MACROS, seed_macros_demo
    from tierdesk.macros.placeholders import unknown_placeholders
    from tierdesk.macros.services import clean_changes

    for name, group, _kind, body, changes in DEMO_MACROS:
        errors: dict[str, str] = {}
        clean_changes({k: v for k, v in changes.items() if k != "group"}, errors)
        assert (name, errors, unknown_placeholders(body)) == (name, {}, [])
        if group:
            SkillGroup.objects.get_or_create(name=group)

    seed_macros_demo()
    seed_macros_demo()

    assert Macro.objects.count() == len(DEMO_MACROS)
