"""Console pages of the working tools: macros list and form, the ticket card (apply, preview,
merge, additional requesters), the notifications page and the navigation's unread count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tierdesk.macros.models import Macro, Notification
from tierdesk.macros.tests.conftest import make_macro
from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_add_note, ticket_claim, ticket_open

pytestmark = pytest.mark.django_db


def test_an_engineer_creates_a_macro_on_the_page(client, engineer, group):
    client.force_login(engineer)

    response = client.post(
        reverse("macros:create"),
        {
            "name": "Known issue",
            "scope": "group",
            "group": group.pk,
            "kind": "reply",
            "body": "Hi {{ requester.first_name }}, this is a known issue.",
            "status": "pending",
            "tags_add": "known-issue, 4.2",
        },
    )

    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.group, macro.changes) == (
        group,
        {"status": "pending", "tags_add": ["known-issue", "4.2"]},
    )
    page = client.get(reverse("macros:list")).content.decode()
    assert "Known issue" in page
    assert reverse("macros:edit", args=[macro.pk]) in page


def test_a_refused_macro_shows_the_reason_on_the_form(client, engineer):
    client.force_login(engineer)

    response = client.post(
        reverse("macros:create"),
        {"name": "Bad", "scope": "personal", "kind": "reply", "body": "{{ ticket.owner }}"},
    )

    assert response.status_code == 200
    assert "Unknown placeholder {{ ticket.owner }}" in response.content.decode()
    assert not Macro.objects.exists()


def test_the_ticket_card_offers_my_macros_and_applies_one(client, engineer, ticket):
    macro = make_macro(
        "Solved", body="Thanks {{ requester.first_name }}", changes={"status": "solved"}
    )
    client.force_login(engineer)

    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert f'<option value="{macro.pk}">Solved</option>' in page
    preview = client.get(
        reverse("macros:preview", args=[ticket.number]), {"macro": macro.pk}
    ).content.decode()
    assert "Thanks Alice" in preview
    assert "Solved" in preview

    response = client.post(reverse("macros:apply", args=[ticket.number]), {"macro": macro.pk})

    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.SOLVED


def test_a_macro_taking_someone_elses_ticket_says_who_holds_it(client, engineer, teammate, ticket):
    ticket_claim(actor=teammate, ticket=ticket)
    macro = make_macro("Take it", body="On it.", changes={"assignee": "me"})
    client.force_login(engineer)

    response = client.post(
        reverse("macros:apply", args=[ticket.number]), {"macro": macro.pk}, follow=True
    )

    assert response.status_code == 200
    assert f"{teammate.display_name} already holds this ticket." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == teammate


def test_merging_from_the_ticket_card_shows_the_survivor(client, engineer, ticket, carol):
    duplicate = ticket_open(actor=carol, subject="Timeouts", body="Same here")
    client.force_login(engineer)

    response = client.post(
        reverse("macros:merge", args=[duplicate.number]), {"into": ticket.number}, follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("tickets:detail", args=[ticket.number])
    assert "Additional requesters" in page
    assert "Carol" in page
    assert f'merged <a href="{reverse("tickets:detail", args=[duplicate.number])}">' in page
    source_page = client.get(reverse("tickets:detail", args=[duplicate.number])).content.decode()
    assert "merged this ticket into" in source_page


def test_a_refused_merge_says_why(client, engineer, ticket):
    client.force_login(engineer)

    response = client.post(
        reverse("macros:merge", args=[ticket.number]), {"into": ticket.number}, follow=True
    )

    assert "cannot be merged into itself" in response.content.decode()


def test_notifications_page_count_and_mark_read(client, engineer, teammate, ticket):
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam please check")
    notification = Notification.objects.get()
    client.force_login(teammate)

    page = client.get(reverse("macros:notifications")).content.decode()
    assert "mentioned you on" in page
    assert reverse("macros:unread_count") in client.get(reverse("tickets:list")).content.decode()
    assert client.get(reverse("macros:unread_count")).content == b"1"

    response = client.post(reverse("macros:read", args=[notification.pk]), {"open": "1"})

    assert response.url == (
        reverse("tickets:detail", args=[ticket.number]) + f"#message-{notification.message_id}"
    )
    assert client.get(reverse("macros:unread_count")).content == b""


def test_sla_notifications_read_as_warnings_and_breaches(client, teammate, ticket):
    from django.utils import timezone

    from tierdesk.macros.choices import NotificationKind

    for kind in (NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH):
        Notification.objects.create(
            person=teammate, ticket=ticket, kind=kind, created_at=timezone.now()
        )
    client.force_login(teammate)

    page = client.get(reverse("macros:notifications")).content.decode()

    assert "SLA target at risk</strong> on #" in page
    assert "SLA target breached</strong> on #" in page
    assert "mentioned you" not in page


def test_mark_all_read_on_the_page(client, engineer, teammate, ticket):
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam one")
    ticket_add_note(actor=engineer, ticket=ticket, body="@liam two")
    client.force_login(teammate)

    client.post(reverse("macros:read_all"))

    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_customers_are_sent_to_the_portal(client, alice):
    client.force_login(alice)

    response = client.get(reverse("macros:notifications"))

    assert response.status_code == 302
    assert "/portal" in response.url


def test_a_group_member_edits_and_deletes_the_groups_macro(client, engineer, group):
    macro = make_macro("Ours", group=group, body="Hello {{ requester.first_name }}")
    client.force_login(engineer)

    page = client.get(reverse("macros:edit", args=[macro.pk])).content.decode()
    assert "Hello {{ requester.first_name }}" in page
    client.post(
        reverse("macros:edit", args=[macro.pk]),
        {"name": "Ours v2", "scope": "group", "group": group.pk, "kind": "note", "body": "Hi"},
    )
    assert Macro.objects.get(pk=macro.pk).name == "Ours v2"

    client.post(reverse("macros:edit", args=[macro.pk]), {"delete": "1"})
    assert not Macro.objects.exists()


def test_the_macros_page_asks_the_same_queries_however_many_group_macros(
    client, engineer, group, other_group, django_assert_max_num_queries
):
    engineer.skill_groups.add(other_group)
    make_macro("Ours 0", group=group, body="x")
    make_macro("Everyone's", body="x")
    client.force_login(engineer)
    client.get(reverse("macros:list"))
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("macros:list"))
    for number in range(1, 6):
        make_macro(f"Ours {number}", group=group if number % 2 else other_group, body="x")

    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("macros:list")).content.decode()

    for macro in Macro.objects.filter(group__isnull=False):
        assert reverse("macros:edit", args=[macro.pk]) in page
    everyones = Macro.objects.get(name="Everyone's")
    assert reverse("macros:edit", args=[everyones.pk]) not in page


def test_survey_follow_ups_read_as_a_call_back(client, teammate, ticket):
    from django.utils import timezone

    from tierdesk.macros.choices import NotificationKind

    Notification.objects.create(
        person=teammate, ticket=ticket, kind=NotificationKind.FOLLOW_UP, created_at=timezone.now()
    )
    client.force_login(teammate)

    page = client.get(reverse("macros:notifications")).content.decode()

    assert "Call the customer back</strong>: a low survey score on #" in page
    assert "mentioned you" not in page
