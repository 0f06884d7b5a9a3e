"""What the API guarantees a client writing in, on every POST that takes a customer's words or
files (open, reply or note, follow-up, attach): refusals name each field, files are within
limits or refused by name (never dropped), and Idempotency-Key makes a retry create nothing
twice."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.tickets.models import Attachment, Message, Ticket
from tierdesk.tickets.schemas import ATTACHMENTS_MAX
from tierdesk.tickets.services import ticket_update

# Each POST that takes files: its path and the smallest valid form besides the files.
INTAKE = {
    "open": ("/tickets", {"subject": "Export fails", "body": "Stops at 10k rows"}),
    "reply": ("/tickets/{number}/messages", {"body": "Here is the log"}),
    "note": ("/tickets/{number}/messages", {"body": "Log attached", "internal": "true"}),
    "follow-up": ("/tickets/{number}/follow-up", {"body": "It broke again"}),
    "attach": ("/tickets/{number}/attachments", {}),
}


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def target(request, alice, agent, ticket):
    """(client, path, form) for the intake named by the test's parameter; a follow-up goes to
    a closed ticket, a note is the agent's."""
    kind = request.param
    path, form = INTAKE[kind]
    if kind == "follow-up":
        ticket_update(actor=agent, ticket=ticket, changes={"status": "solved"})
        ticket_update(actor=agent, ticket=ticket, changes={"status": "closed"})
    person = agent if kind == "note" else alice
    return client_for(person), API + path.format(number=ticket.number), form


def log(name="export.log", content=b"stopped at row 10000\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def counts():
    return Ticket.objects.count(), Message.objects.count(), Attachment.objects.count()


ALL = pytest.mark.parametrize("target", list(INTAKE), indirect=True)


# --- Idempotency-Key ---------------------------------------------------------------------------


@ALL
def test_a_retry_with_the_same_key_replays_the_answer_and_stores_nothing_twice(target):
    client, path, form = target

    first = client.post(path, {**form, "attachments": [log()]}, headers={"Idempotency-Key": "k"})
    stored = counts()
    again = client.post(path, {**form, "attachments": [log()]}, headers={"Idempotency-Key": "k"})

    assert first.status_code == 201, first.json()
    assert (again.status_code, again.json()) == (201, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert counts() == stored


@ALL
def test_the_key_with_another_file_is_refused_naming_the_key(target):
    client, path, form = target
    client.post(path, {**form, "attachments": [log()]}, headers={"Idempotency-Key": "k"})
    stored = counts()

    response = client.post(
        path, {**form, "attachments": [log(content=b"other")]}, headers={"Idempotency-Key": "k"}
    )

    assert response.status_code == 422
    assert fields(response) == {"Idempotency-Key"}
    assert counts() == stored


# --- attachment limits -------------------------------------------------------------------------


@ALL
@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=10)
def test_a_file_over_the_size_limit_is_refused_by_name_and_nothing_is_stored(target):
    client, path, form = target
    before = counts()

    response = client.post(
        path, {**form, "attachments": [log("ok.log", b"x"), log("big.log", b"x" * 11)]}
    )

    assert response.status_code == 422
    assert fields(response) == {"attachments"}
    assert "big.log is 11 bytes; the limit is 10 bytes." in response.json()["errors"][0]["reason"]
    assert counts() == before


@pytest.mark.parametrize(
    "target",
    INTAKE,
    indirect=True,
)
@override_settings(TIERDESK_ATTACHMENT_MAX_BYTES=10, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_request_over_the_size_limit_with_a_key_is_refused_naming_attachments(target):
    client, path, form = target
    before = counts()

    response = client.post(
        path,
        {**form, "attachments": [log("dump.log", b"x" * 5000)]},
        headers={"Idempotency-Key": "k"},
    )

    assert response.status_code in {413, 422}
    assert fields(response) == {"attachments"}
    assert counts() == before


@ALL
def test_more_files_than_a_message_carries_are_refused_naming_the_count(target):
    client, path, form = target
    before = counts()

    response = client.post(
        path, {**form, "attachments": [log(f"part{n}.log") for n in range(ATTACHMENTS_MAX + 1)]}
    )

    assert response.status_code == 422
    assert fields(response) == {"attachments"}
    assert response.json()["errors"][0]["reason"] == (
        f"Attach at most {ATTACHMENTS_MAX} files per message; you sent {ATTACHMENTS_MAX + 1}."
    )
    assert counts() == before


def test_the_most_files_a_message_carries_are_all_kept(alice):
    files = [log(f"part{n}.log") for n in range(ATTACHMENTS_MAX)]

    response = client_for(alice).post(
        f"{API}/tickets", {"subject": "Logs", "body": "All of them", "attachments": files}
    )

    assert response.status_code == 201
    assert Attachment.objects.count() == ATTACHMENTS_MAX


def test_more_files_than_django_parses_are_refused_naming_the_limit(alice):
    files = [log(f"part{n}.log") for n in range(101)]

    response = client_for(alice).post(
        f"{API}/tickets", {"subject": "Logs", "body": "All of them", "attachments": files}
    )

    assert response.status_code == 400
    assert "DATA_UPLOAD_MAX_NUMBER_FILES" in response.json()["errors"][0]["reason"]
    assert not Ticket.objects.exists()


@ALL
def test_an_empty_file_is_refused_by_name(target):
    client, path, form = target
    before = counts()

    response = client.post(path, {**form, "attachments": [log("empty.log", b"")]})

    assert response.status_code == 422
    assert "empty.log is empty." in response.json()["errors"][0]["reason"]
    assert counts() == before


def test_a_file_with_a_long_japanese_name_is_kept(alice):
    name = "障害報告書" * 20 + ".log"

    response = client_for(alice).post(
        f"{API}/tickets", {"subject": "Log", "body": "See the file", "attachments": [log(name)]}
    )

    assert response.status_code == 201
    assert Attachment.objects.get().filename == name


# --- validation naming fields ------------------------------------------------------------------


def test_an_overlong_subject_and_body_are_named(alice):
    response = client_for(alice).post(
        f"{API}/tickets",
        {"subject": "s" * 251, "body": "b" * 200_001},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert fields(response) == {"subject", "body"}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/tickets", {"subject": "Hi", "body": "text", "attachment": "a.log"}),
        ("/tickets/{number}/messages", {"body": "text", "files": ["a.log"]}),
        ("/tickets/{number}/follow-up", {"body": "text", "subject": "Again"}),
    ],
)
def test_a_json_field_the_operation_does_not_take_is_named_not_ignored(alice, ticket, path, body):
    response = client_for(alice).post(
        API + path.format(number=ticket.number), body, content_type="application/json"
    )

    assert response.status_code == 422
    extra = (set(body) - {"subject", "body"}) if "follow-up" not in path else {"subject"}
    assert fields(response) == extra
    assert (Ticket.objects.count(), Message.objects.count()) == (1, 1)
