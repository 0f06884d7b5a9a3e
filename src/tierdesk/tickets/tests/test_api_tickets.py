"""Ticket API: open, list with filters and cursor, read, change; access answers 404 to outsiders."""

import base64
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tierdesk.accounts.choices import Tier
from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from tierdesk.tickets.services import ticket_open, ticket_share_restricted, ticket_update


def open_ticket(actor, subject="Dashboards load slowly", **extra):
    return ticket_open(
        actor=actor, subject=subject, body="Since Monday every dashboard takes 30 s", **extra
    )


# --- open --------------------------------------------------------------------------------------


def test_customer_opens_a_ticket_and_gets_its_number(alice):
    response = client_for(alice).post(
        f"{API}/tickets",
        {
            "subject": "Export fails",
            "body": "CSV export stops at 10k rows",
            "priority": "high",
            "tags": ["Export"],
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    created = response.json()
    ticket = Ticket.objects.get(pk=created["number"])
    assert (ticket.subject, ticket.priority, ticket.channel) == ("Export fails", "high", "api")
    assert created["requester"]["username"] == "alice"
    assert created["organization"]["name"] == "Acme Analytics"
    assert ticket.tags == ["export"]
    assert created["url"].endswith(f"/portal/tickets/{ticket.number}")
    assert ticket.messages.get().body_text == "CSV export stops at 10k rows"


def test_ticket_without_subject_and_with_bad_priority_names_both_fields(alice):
    response = client_for(alice).post(
        f"{API}/tickets", {"body": "text", "priority": "whenever"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"subject", "priority"}
    assert not Ticket.objects.exists()


def test_blank_body_is_refused_by_the_service_naming_body(alice):
    response = client_for(alice).post(
        f"{API}/tickets", {"subject": "Hello", "body": "   "}, content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"body"}


def test_unknown_field_is_named_rather_than_ignored(alice):
    response = client_for(alice).post(
        f"{API}/tickets",
        {"subject": "Hello", "body": "text", "priorty": "high"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"priorty"}


def test_staff_open_a_ticket_for_a_requester_by_username(agent, alice, group):
    response = client_for(agent).post(
        f"{API}/tickets",
        {
            "subject": "Call notes",
            "body": "Customer called about SSO",
            "requester": "alice",
            "channel": "phone",
            "group": group.name,
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    created = response.json()
    assert created["requester"]["id"] == alice.pk
    assert created["group"] == {"id": group.pk, "name": group.name}
    assert created["channel"] == "phone"
    assert created["url"].endswith(f"/tickets/{created['number']}")
    assert "/portal/" not in created["url"]


def test_customer_naming_a_requester_is_refused_naming_requester(alice, carol):
    response = client_for(alice).post(
        f"{API}/tickets",
        {"subject": "For Carol", "body": "text", "requester": carol.pk},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"requester"}


def test_customer_naming_someone_outside_their_organization_is_refused(alice, oscar):
    response = client_for(alice).post(
        f"{API}/tickets",
        {"subject": "For Oscar", "body": "text", "requester": "oscar"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"requester"}


def test_customer_choosing_a_group_is_refused_naming_group(alice, group):
    response = client_for(alice).post(
        f"{API}/tickets",
        {"subject": "Hi", "body": "text", "group": group.pk},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"group"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_ticket_opened_as_a_form_keeps_its_files_on_the_first_message(alice, media):
    log = SimpleUploadedFile("export.log", b"stopped at row 10000\n", content_type="text/plain")

    response = client_for(alice).post(
        f"{API}/tickets",
        {"subject": "Export fails", "body": "Log attached", "tags": "export", "attachments": [log]},
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["number"])
    [attachment] = ticket.attachments.all()
    assert (attachment.filename, attachment.size) == ("export.log", 21)
    assert attachment.message == ticket.messages.get()
    assert ticket.tags == ["export"]


def test_ticket_form_with_a_blocked_file_opens_nothing(alice, media):
    script = SimpleUploadedFile("fix.exe", b"MZ...", content_type="application/octet-stream")

    response = client_for(alice).post(
        f"{API}/tickets", {"subject": "Hi", "body": "text", "attachments": [script]}
    )

    assert response.status_code == 422
    assert fields(response) == {"attachments"}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/tickets", {"subject": "Hi", "body": "text"}),
        ("/tickets/{number}/messages", {"body": "text"}),
        ("/tickets/{number}/attachments", {}),
    ],
)
def test_file_sent_under_another_name_is_refused_naming_that_name(alice, ticket, media, path, form):
    log = SimpleUploadedFile("export.log", b"stopped at row 10000\n", content_type="text/plain")

    response = client_for(alice).post(
        API + path.format(number=ticket.number), {**form, "file": [log]}
    )

    assert response.status_code == 422
    assert fields(response) == {"file"}
    assert (Ticket.objects.count(), Message.objects.count(), Attachment.objects.count()) == (
        1,
        1,
        0,
    )


def test_openapi_describes_opening_a_ticket_as_a_form_with_files(db):
    paths = Client().get(f"{API}/openapi.json").json()["paths"]

    form = paths["/api/v1/tickets"]["post"]["requestBody"]["content"]["multipart/form-data"]
    properties = form["schema"]["properties"]
    assert {"subject", "body", "tags", "requester", "attachments"} <= set(properties)
    assert properties["attachments"]["items"]["format"] == "binary"
    assert set(form["schema"]["required"]) == {"subject", "body"}


# --- read --------------------------------------------------------------------------------------


def test_customer_reads_their_organizations_ticket(carol, ticket):
    response = client_for(carol).get(f"{API}/tickets/{ticket.number}")

    assert response.status_code == 200
    assert response.json()["subject"] == ticket.subject


def test_customer_gets_404_for_another_organizations_ticket(oscar, ticket):
    response = client_for(oscar).get(f"{API}/tickets/{ticket.number}")

    assert response.status_code == 404
    missing = client_for(oscar).get(f"{API}/tickets/{ticket.number + 1000}")
    assert response.json() == missing.json()


def test_restricted_ticket_is_404_for_staff_not_named(agent, backline, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    response = client_for(backline).get(f"{API}/tickets/{restricted.number}")

    assert response.status_code == 404


def test_named_staff_read_a_restricted_ticket_and_the_read_is_audited(agent, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    response = client_for(agent).get(f"{API}/tickets/{restricted.number}")

    assert response.status_code == 200
    assert response.json()["restricted"] is True
    assert TicketEvent.objects.filter(ticket=restricted, kind="viewed", actor=agent).count() == 1


def test_reading_an_ordinary_ticket_records_no_audit_event(agent, ticket):
    client_for(agent).get(f"{API}/tickets/{ticket.number}")

    assert not TicketEvent.objects.filter(ticket=ticket, kind="viewed").exists()


# --- what customers see ------------------------------------------------------------------------


@pytest.fixture
def routed(agent, group, ticket):
    """The fixture ticket assigned, grouped, escalated and tagged by the desk."""
    ticket_update(
        actor=agent,
        ticket=ticket,
        changes={"assignee": agent, "group": group, "tier": Tier.BACK_LINE, "tags": ["vip"]},
    )
    return ticket


def test_customer_sees_no_routing_of_their_ticket(routed, carol):
    client = client_for(carol)

    read = client.get(f"{API}/tickets/{routed.number}").json()
    [listed] = client.get(f"{API}/tickets").json()["items"]

    for shown in (read, listed):
        assert {
            k: shown[k] for k in ("assignee", "group", "tier", "tags", "readers")
        } == dict.fromkeys(("assignee", "group", "tier", "tags", "readers"))
        assert "agent" not in str(shown)
        assert shown["requester"]["username"] == "alice"


def test_staff_see_the_routing_of_a_ticket(routed, agent, group):
    shown = client_for(agent).get(f"{API}/tickets/{routed.number}").json()

    assert shown["assignee"] == {"id": agent.pk, "username": "agent", "name": "Agent"}
    assert shown["group"] == {"id": group.pk, "name": group.name}
    assert (shown["tier"], shown["tags"], shown["readers"]) == (2, ["vip"], None)


def test_staff_see_who_may_read_a_restricted_ticket(agent, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    shown = client_for(agent).get(f"{API}/tickets/{restricted.number}").json()
    requester_view = client_for(alice).get(f"{API}/tickets/{restricted.number}").json()

    assert shown["readers"] == [{"id": agent.pk, "username": "agent", "name": "Agent"}]
    assert requester_view["readers"] is None


# --- change ------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(agent, ticket):
    response = client_for(agent).patch(
        f"{API}/tickets/{ticket.number}",
        {"priority": "urgent", "assignee": "me"},
        content_type="application/json",
    )

    assert response.status_code == 200
    changed = response.json()
    assert changed["priority"] == "urgent"
    assert changed["assignee"]["username"] == "agent"
    assert changed["subject"] == ticket.subject
    fields_changed = set(
        TicketEvent.objects.filter(ticket=ticket, kind="changed").values_list("field", flat=True)
    )
    assert fields_changed == {"priority", "assignee"}


def test_patch_with_null_assignee_unassigns(agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"assignee": agent})

    response = client_for(agent).patch(
        f"{API}/tickets/{ticket.number}", {"assignee": None}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_disallowed_status_transition_is_refused_naming_status(agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})

    response = client_for(agent).patch(
        f"{API}/tickets/{ticket.number}", {"status": "pending"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"status"}
    assert "cannot move to pending" in response.json()["errors"][0]["reason"].lower()
    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_unknown_status_is_refused_naming_status(agent, ticket):
    response = client_for(agent).patch(
        f"{API}/tickets/{ticket.number}", {"status": "done"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"status"}


def test_customer_may_not_change_priority(alice, ticket):
    response = client_for(alice).patch(
        f"{API}/tickets/{ticket.number}", {"priority": "urgent"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert fields(response) == {"priority"}


def test_customer_cannot_change_another_organizations_ticket(oscar, ticket):
    response = client_for(oscar).patch(
        f"{API}/tickets/{ticket.number}", {"status": "solved"}, content_type="application/json"
    )

    assert response.status_code == 404


# --- list --------------------------------------------------------------------------------------


@pytest.fixture
def desk(alice, oscar, agent, backline):
    """Six tickets across two organizations with different statuses, priorities and owners."""
    made = {
        "new": open_ticket(alice, "New one"),
        "urgent": open_ticket(agent, "Urgent one", priority="urgent", requester=alice),
        "mine": open_ticket(alice, "Assigned to agent"),
        "pending": open_ticket(alice, "Waiting on customer"),
        "globex": open_ticket(oscar, "Globex ticket", channel="email"),
        "tier2": open_ticket(oscar, "Escalated"),
    }
    ticket_update(actor=agent, ticket=made["mine"], changes={"assignee": agent, "status": "open"})
    ticket_update(actor=agent, ticket=made["pending"], changes={"status": "pending"})
    ticket_update(
        actor=agent, ticket=made["tier2"], changes={"tier": Tier.BACK_LINE, "assignee": backline}
    )
    return made


def subjects(response):
    assert response.status_code == 200, response.content
    return {t["subject"] for t in response.json()["items"]}


def test_customer_list_shows_only_their_organization(desk, carol):
    assert subjects(client_for(carol).get(f"{API}/tickets")) == {
        "New one",
        "Urgent one",
        "Assigned to agent",
        "Waiting on customer",
    }


def test_list_filters_by_repeated_and_comma_separated_status(desk, agent):
    client = client_for(agent)

    assert subjects(client.get(f"{API}/tickets?status=open&status=pending")) == {
        "Assigned to agent",
        "Waiting on customer",
    }
    assert subjects(client.get(f"{API}/tickets?status=open,pending")) == {
        "Assigned to agent",
        "Waiting on customer",
    }


def test_list_filters_by_priority_tier_channel_and_organization(desk, agent, globex):
    client = client_for(agent)

    assert subjects(client.get(f"{API}/tickets", {"priority": "urgent"})) == {"Urgent one"}
    assert subjects(client.get(f"{API}/tickets", {"tier": 2})) == {"Escalated"}
    assert subjects(client.get(f"{API}/tickets", {"channel": "email"})) == {"Globex ticket"}
    assert subjects(client.get(f"{API}/tickets", {"organization": globex.pk})) == {
        "Globex ticket",
        "Escalated",
    }


def test_list_filters_by_assignee_me_none_and_id(desk, agent, backline):
    client = client_for(agent)

    assert subjects(client.get(f"{API}/tickets", {"assignee": "me"})) == {"Assigned to agent"}
    assert subjects(client.get(f"{API}/tickets", {"assignee": backline.pk})) == {"Escalated"}
    assert "Assigned to agent" not in subjects(client.get(f"{API}/tickets", {"assignee": "none"}))


def test_list_filters_by_words_of_the_subject_and_number(desk, agent):
    client = client_for(agent)

    assert subjects(client.get(f"{API}/tickets", {"q": "waiting"})) == {"Waiting on customer"}
    assert subjects(client.get(f"{API}/tickets", {"q": f"#{desk['urgent'].number}"})) == {
        "Urgent one"
    }


def test_list_filters_by_updated_since(desk, agent):
    Ticket.objects.filter(pk=desk["new"].pk).update(updated_at=timezone.now() - timedelta(days=30))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    listed = subjects(client_for(agent).get(f"{API}/tickets", {"updated_since": since}))

    assert "New one" not in listed
    assert "Urgent one" in listed


def test_naive_updated_since_is_refused_naming_it(agent):
    response = client_for(agent).get(f"{API}/tickets", {"updated_since": "2024-05-01T09:00:00"})

    assert response.status_code == 422
    assert fields(response) == {"updated_since"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "open,finished"}, "status.1"),
        ({"priority": "asap"}, "priority.0"),
        ({"tier": 9}, "tier"),
        ({"assignee": "someone"}, "assignee"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_invalid_list_filters_are_refused_naming_the_filter(agent, params, field):
    response = client_for(agent).get(f"{API}/tickets", params)

    assert response.status_code == 422
    assert fields(response) == {field}


def test_cursor_walks_every_ticket_once(alice, agent):
    numbers = {open_ticket(alice, f"Ticket {n}").number for n in range(11)}
    # Several tickets share one update time, so the cursor must break ties by number.
    Ticket.objects.filter(pk__in=sorted(numbers)[:6]).update(updated_at=timezone.now())
    client = client_for(agent)

    seen, cursor = [], None
    while True:
        page = client.get(
            f"{API}/tickets", {"limit": 4, **({"cursor": cursor} if cursor else {})}
        ).json()
        assert len(page["items"]) <= 4
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert len(seen) == len(set(seen))
    assert set(seen) == numbers


def test_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    alice, agent, backline, group, django_assert_max_num_queries
):
    for n in range(30):
        ticket = open_ticket(alice, f"Ticket {n}")
        ticket_update(actor=agent, ticket=ticket, changes={"assignee": backline, "group": group})
    client = client_for(agent)
    client.get(f"{API}/tickets")  # the token's first use is stamped once, not per request

    # One for the token, one for the page: nothing per ticket.
    with django_assert_max_num_queries(2):
        response = client.get(f"{API}/tickets", {"limit": 30})

    assert len(response.json()["items"]) == 30
    assert response.json()["items"][0]["assignee"]["username"] == "backline"


def test_list_of_restricted_tickets_reads_their_readers_in_one_query(
    alice, agent, backline, django_assert_max_num_queries
):
    for n in range(10):
        ticket = open_ticket(agent, f"Ticket {n}", requester=alice, restricted=True)
        ticket_share_restricted(actor=agent, ticket=ticket, people=[backline])
    client = client_for(agent)
    client.get(f"{API}/tickets")

    # The token, the page and the readers of every restricted ticket on it.
    with django_assert_max_num_queries(3):
        response = client.get(f"{API}/tickets")

    readers = [[r["username"] for r in t["readers"]] for t in response.json()["items"]]
    assert readers == [["agent", "backline"]] * 10


@pytest.mark.parametrize(
    "raw",
    [
        "2024-05-01T09:00:00|5",  # no time zone: the server's zone would shift the page
        "2024-05-01T09:00:00+00:00|99999999999999999999999",
        "2024-05-01T09:00:00+00:00",
        "yesterday|5",
    ],
)
def test_cursor_the_list_never_gave_out_is_refused_naming_cursor(agent, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    response = client_for(agent).get(f"{API}/tickets", {"cursor": cursor})

    assert response.status_code == 422
    assert fields(response) == {"cursor"}


@pytest.mark.parametrize("term", ["99999999999999999999999", "²"])
def test_search_for_digits_that_are_no_ticket_number_finds_words_of_the_subject(alice, agent, term):
    open_ticket(alice, f"Error {term} on export")

    response = client_for(agent).get(f"{API}/tickets", {"q": term})

    assert subjects(response) == {f"Error {term} on export"}


@pytest.mark.parametrize("field", ["assignee", "organization", "group"])
def test_id_filter_beyond_any_record_is_refused_naming_the_filter(agent, field):
    response = client_for(agent).get(f"{API}/tickets", {field: "99999999999999999999999"})

    assert response.status_code == 422
    assert fields(response) == {field}


def test_patch_assigns_by_username(agent, backline, ticket):
    response = client_for(agent).patch(
        f"{API}/tickets/{ticket.number}", {"assignee": "backline"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["assignee"]["username"] == "backline"
    ticket.refresh_from_db()
    assert ticket.assignee == backline


# --- sharing a restricted ticket ---------------------------------------------------------------


def share(client, ticket, people):
    return client.post(
        f"{API}/tickets/{ticket.number}/readers",
        {"people": people},
        content_type="application/json",
    )


def test_named_staff_share_a_restricted_ticket_by_id_and_username(agent, backline, manager, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    response = share(client_for(agent), restricted, [backline.pk, "manager"])

    assert response.status_code == 200, response.content
    assert [r["username"] for r in response.json()["readers"]] == ["agent", "backline", "manager"]
    assert set(restricted.restricted_to.values_list("username", flat=True)) == {
        "agent",
        "backline",
        "manager",
    }
    assert client_for(backline).get(f"{API}/tickets/{restricted.number}").status_code == 200


def test_sharing_again_with_the_same_people_changes_nothing(agent, backline, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)
    client = client_for(agent)
    share(client, restricted, ["backline"])
    events = TicketEvent.objects.filter(ticket=restricted).count()

    response = share(client, restricted, ["backline"])

    assert response.status_code == 200
    assert TicketEvent.objects.filter(ticket=restricted).count() == events


@pytest.mark.parametrize("people", [["carol"], ["nobody"], [], ["99999999999999999999999"]])
def test_sharing_with_anyone_but_staff_is_refused_naming_people(agent, alice, carol, people):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    response = share(client_for(agent), restricted, people)

    assert response.status_code == 422
    assert fields(response) == {"people"}
    assert list(restricted.restricted_to.values_list("username", flat=True)) == ["agent"]


def test_files_sent_to_share_a_ticket_are_refused_naming_their_field(agent, backline, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)
    log = SimpleUploadedFile("a.log", b"x", content_type="text/plain")

    response = client_for(agent).post(
        f"{API}/tickets/{restricted.number}/readers", {"people": "backline", "file": [log]}
    )

    assert response.status_code == 422
    assert fields(response) == {"file"}
    assert not restricted.restricted_to.filter(pk=backline.pk).exists()


def test_staff_share_a_ticket_with_a_form_naming_people_comma_separated(
    agent, backline, manager, alice
):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    response = client_for(agent).post(
        f"{API}/tickets/{restricted.number}/readers", {"people": "backline, manager"}
    )

    assert response.status_code == 200, response.content
    assert restricted.restricted_to.count() == 3


def test_staff_not_named_cannot_share_nor_learn_the_ticket_exists(agent, backline, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    response = share(client_for(backline), restricted, ["backline"])

    assert response.status_code == 404
    assert not restricted.restricted_to.filter(pk=backline.pk).exists()


def test_the_requester_of_a_restricted_ticket_cannot_share_it(agent, alice):
    restricted = open_ticket(agent, requester=alice, restricted=True)

    response = share(client_for(alice), restricted, ["agent"])

    assert response.status_code == 403


def test_sharing_an_ordinary_ticket_is_refused_naming_restricted(agent, ticket):
    response = share(client_for(agent), ticket, ["agent"])

    assert response.status_code == 422
    assert fields(response) == {"restricted"}


# --- follow-up ---------------------------------------------------------------------------------


def close(ticket, agent):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})


def test_customer_follows_up_a_closed_ticket_with_a_new_linked_ticket(agent, alice, ticket):
    close(ticket, agent)

    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/follow-up",
        {"body": "It is back since this morning."},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    created = response.json()
    follow_up = Ticket.objects.get(pk=created["number"])
    assert created["number"] != ticket.number
    assert (created["subject"], created["channel"]) == (ticket.subject, "api")
    assert follow_up.messages.get().body_text == "It is back since this morning."
    assert TicketEvent.objects.filter(
        ticket=ticket, field="followed_up_by", to_value=str(follow_up.number)
    ).exists()


def test_follow_up_as_a_form_keeps_its_files(agent, alice, ticket, media):
    close(ticket, agent)
    log = SimpleUploadedFile("again.log", b"ERR_QUERY_TIMEOUT\n", content_type="text/plain")

    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/follow-up", {"body": "Log attached", "attachments": [log]}
    )

    assert response.status_code == 201, response.content
    follow_up = Ticket.objects.get(pk=response.json()["number"])
    assert [a.filename for a in follow_up.attachments.all()] == ["again.log"]


def test_follow_up_retried_with_the_same_key_opens_one_ticket(agent, alice, ticket):
    close(ticket, agent)
    client = client_for(alice, **{"Idempotency-Key": "follow-up-1"})
    path = f"{API}/tickets/{ticket.number}/follow-up"

    first = client.post(path, {"body": "Back again"}, content_type="application/json")
    again = client.post(path, {"body": "Back again"}, content_type="application/json")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == 2


def test_follow_up_of_an_open_ticket_is_refused_naming_status(alice, ticket):
    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/follow-up",
        {"body": "More"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"status"}
    assert Ticket.objects.count() == 1


def test_outsider_cannot_follow_up_a_closed_ticket(agent, oscar, ticket):
    close(ticket, agent)

    response = client_for(oscar).post(
        f"{API}/tickets/{ticket.number}/follow-up",
        {"body": "Me too"},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert Ticket.objects.count() == 1


def test_customer_reply_to_a_closed_ticket_points_to_the_follow_up_endpoint(agent, alice, ticket):
    close(ticket, agent)

    response = client_for(alice).post(
        f"{API}/tickets/{ticket.number}/messages",
        {"body": "Again"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"status"}
    assert f"/api/v1/tickets/{ticket.number}/follow-up" in response.json()["errors"][0]["reason"]
    assert ticket.messages.count() == 1
