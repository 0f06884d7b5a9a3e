"""What the portal guarantees a customer writing in: every refusal is named next to its field
with everything typed kept, files are within limits or refused by name (never dropped), and a
form posted twice acts once."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import override_settings
from django.urls import reverse

from tierdesk.core.models import IdempotentRequest
from tierdesk.portal import submissions
from tierdesk.tickets.models import Attachment, Message, Ticket
from tierdesk.tickets.schemas import ATTACHMENTS_MAX
from tierdesk.tickets.services import ticket_update

NEW = {
    "subject": "Export fails",
    "description": "CSV export stops at 10k rows",
    "priority": "normal",
}


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def portal(client, alice):
    client.force_login(alice)
    return client


def log(name="export.log", content=b"stopped at row 10000\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def key_on(page: str) -> str:
    """The submission key the page's form carries."""
    return re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)


def new_key(portal) -> str:
    return key_on(portal.get(reverse("portal:new")).content.decode())


def reply_key(portal, ticket) -> str:
    return key_on(portal.get(reverse("portal:ticket", args=[ticket.number])).content.decode())


def errors(response) -> dict[str, list[str]]:
    return {field: list(reasons) for field, reasons in response.context["form"].errors.items()}


# --- validation --------------------------------------------------------------------------------


def test_each_refused_field_is_named_and_nothing_typed_is_lost(portal):
    response = portal.post(
        reverse("portal:new"),
        {"subject": "s" * 251, "description": "", "priority": "urgent", "product_area": "nope"},
    )

    assert response.status_code == 200
    assert set(errors(response)) == {"subject", "description", "priority", "product_area"}
    assert "s" * 251 in response.content.decode()
    assert not Ticket.objects.exists()


# --- attachments -------------------------------------------------------------------------------


@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=10)
def test_a_file_over_the_size_limit_is_refused_by_name_and_nothing_is_opened(portal):
    response = portal.post(
        reverse("portal:new"), {**NEW, "attachments": [log("big.log", b"x" * 11)]}
    )

    assert response.status_code == 200
    reasons = " ".join(errors(response)["attachments"])
    assert "big.log is 11 bytes; the limit is 10 bytes." in reasons
    assert "CSV export stops at 10k rows" in response.content.decode()
    assert (Ticket.objects.count(), Attachment.objects.count()) == (0, 0)


@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=10, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_file_larger_than_the_request_limit_is_still_refused_in_the_form(portal):
    response = portal.post(
        reverse("portal:new"), {**NEW, "attachments": [log("dump.log", b"x" * 5000)]}
    )

    assert response.status_code == 200
    assert "dump.log is 5000 bytes" in " ".join(errors(response)["attachments"])
    assert not Ticket.objects.exists()


def test_more_files_than_a_message_carries_are_refused_naming_the_count(portal):
    files = [log(f"part{n}.log") for n in range(ATTACHMENTS_MAX + 1)]

    response = portal.post(reverse("portal:new"), {**NEW, "attachments": files})

    reasons = " ".join(errors(response)["attachments"])
    assert (
        f"Attach at most {ATTACHMENTS_MAX} files per message; you chose {ATTACHMENTS_MAX + 1}."
        in reasons
    )
    assert not Ticket.objects.exists()


def test_the_most_files_a_message_carries_are_all_kept(portal):
    files = [log(f"part{n}.log") for n in range(ATTACHMENTS_MAX)]

    response = portal.post(reverse("portal:new"), {**NEW, "attachments": files})

    assert response.status_code == 302
    assert Attachment.objects.count() == ATTACHMENTS_MAX


def test_an_empty_file_is_refused_by_name(portal):
    response = portal.post(reverse("portal:new"), {**NEW, "attachments": [log("empty.log", b"")]})

    assert "attachments" in errors(response)
    assert not Ticket.objects.exists()


def test_a_form_that_comes_back_names_the_files_to_choose_again(portal):
    response = portal.post(
        reverse("portal:new"),
        {**NEW, "subject": "", "attachments": [log("a.log"), log("b.png", b"\x89PNG")]},
    )

    reasons = " ".join(errors(response)["attachments"])
    assert "Choose your files again (a.log, b.png)" in reasons
    assert not Ticket.objects.exists()


@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=10)
def test_a_reply_with_a_file_over_the_limit_is_refused_with_the_reply_kept(portal, ticket):
    response = portal.post(
        reverse("portal:reply", args=[ticket.number]),
        {"body": "Here is the full log", "attachments": [log("full.log", b"x" * 11)]},
    )

    assert response.status_code == 200
    assert "full.log is 11 bytes" in " ".join(response.context["reply_form"].errors["attachments"])
    assert "Here is the full log" in response.content.decode()
    assert ticket.messages.count() == 1


def test_a_file_with_a_long_japanese_name_is_kept(portal):
    name = "障害報告書" * 20 + ".log"

    response = portal.post(reverse("portal:new"), {**NEW, "attachments": [log(name)]})

    assert response.status_code == 302
    assert Attachment.objects.get().filename == name


# --- posted twice, acted on once ---------------------------------------------------------------


def test_the_same_new_request_posted_twice_opens_one_ticket(portal):
    key = new_key(portal)

    first = portal.post(reverse("portal:new"), {**NEW, "submission": key, "attachments": [log()]})
    again = portal.post(
        reverse("portal:new"), {**NEW, "submission": key, "attachments": [log()]}, follow=True
    )

    ticket = Ticket.objects.get()
    assert first["Location"] == reverse("portal:ticket", args=[ticket.number])
    assert again.redirect_chain[-1][0] == reverse("portal:ticket", args=[ticket.number])
    assert f"Request #{ticket.number} was already received." in again.content.decode()
    assert Attachment.objects.count() == 1


def test_each_new_request_form_carries_its_own_key(portal):
    assert new_key(portal) != new_key(portal)


def test_a_changed_request_sent_with_the_same_key_is_not_dropped(portal):
    key = new_key(portal)
    portal.post(reverse("portal:new"), {**NEW, "submission": key})

    portal.post(reverse("portal:new"), {**NEW, "subject": "Import fails too", "submission": key})

    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Export fails",
        "Import fails too",
    ]


def test_a_refused_request_can_be_corrected_and_sent_with_its_key(portal):
    key = new_key(portal)
    refused = portal.post(reverse("portal:new"), {**NEW, "subject": "", "submission": key})

    assert key_on(refused.content.decode()) == key
    portal.post(reverse("portal:new"), {**NEW, "submission": key})
    assert Ticket.objects.count() == 1


def test_a_key_the_portal_never_gave_out_still_opens_the_request(portal):
    portal.post(reverse("portal:new"), {**NEW, "submission": "<script>"})

    assert Ticket.objects.count() == 1
    assert not IdempotentRequest.objects.exists()


def test_the_same_reply_posted_twice_is_sent_once(portal, ticket):
    key = reply_key(portal, ticket)
    path = reverse("portal:reply", args=[ticket.number])

    portal.post(path, {"body": "Here is the log", "submission": key})
    again = portal.post(path, {"body": "Here is the log", "submission": key}, follow=True)

    assert ticket.messages.count() == 2
    assert "This message was already sent." in again.content.decode()


def test_a_follow_up_posted_twice_opens_one_follow_up(portal, agent, ticket):
    ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
    ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})
    key = reply_key(portal, ticket)
    path = reverse("portal:reply", args=[ticket.number])

    first = portal.post(path, {"body": "It broke again", "submission": key})
    again = portal.post(path, {"body": "It broke again", "submission": key})

    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert (
        first["Location"] == again["Location"] == reverse("portal:ticket", args=[follow_up.number])
    )
    assert Message.objects.filter(ticket=follow_up).count() == 1


def test_a_post_that_lost_the_race_gets_the_winners_outcome_and_undoes_its_own(alice, monkeypatch):
    runs = []

    def action():
        runs.append(1)
        return {"ticket": len(runs)}

    submissions.run_once(alice, "a" * 32, "print", action)
    real_filter = IdempotentRequest.objects.filter
    looks = []

    def first_look_misses(*args, **kwargs):
        # The first look finds nothing, as for a post racing the winner's commit on PostgreSQL.
        looks.append(1)
        found = real_filter(*args, **kwargs)
        return found.none() if len(looks) == 1 else found

    monkeypatch.setattr(IdempotentRequest.objects, "filter", first_look_misses)

    outcome, repeated = submissions.run_once(alice, "a" * 32, "print", action)

    assert (outcome, repeated) == ({"ticket": 1}, True)
    assert IdempotentRequest.objects.count() == 1


def test_an_integrity_error_not_about_the_key_is_raised(alice):
    def action():
        raise IntegrityError("something else")

    with pytest.raises(IntegrityError):
        submissions.run_once(alice, "b" * 32, "print", action)
