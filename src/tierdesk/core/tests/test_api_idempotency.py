"""Idempotency-Key: a retried create replays the first answer and creates nothing twice."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tierdesk.core.models import IdempotentRequest
from tierdesk.core.tests.api_support import API, client_for, fields
from tierdesk.tickets import api as tickets_api
from tierdesk.tickets.models import Attachment, Message, Ticket

NEW_TICKET = {"subject": "Export fails", "body": "CSV export stops at 10k rows"}


def create(client, data=NEW_TICKET, key="key-1"):
    return client.post(
        f"{API}/tickets", data, content_type="application/json", headers={"Idempotency-Key": key}
    )


def test_repeated_key_replays_the_first_answer_and_creates_one_ticket(alice):
    client = client_for(alice)

    first = create(client)
    again = create(client)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert IdempotentRequest.objects.get().status_code == 201


def test_key_reused_with_a_different_body_is_refused_naming_the_header(alice):
    client = client_for(alice)
    create(client)

    response = create(client, {**NEW_TICKET, "subject": "Something else"})

    assert response.status_code == 422
    assert fields(response) == {"Idempotency-Key"}
    assert Ticket.objects.count() == 1


def test_requests_without_a_key_each_create(alice):
    client = client_for(alice)

    client.post(f"{API}/tickets", NEW_TICKET, content_type="application/json")
    client.post(f"{API}/tickets", NEW_TICKET, content_type="application/json")

    assert Ticket.objects.count() == 2
    assert not IdempotentRequest.objects.exists()


def test_same_key_from_two_people_are_two_requests(alice, carol):
    create(client_for(alice))
    create(client_for(carol))

    assert Ticket.objects.count() == 2


def test_refused_request_is_not_kept_so_a_corrected_retry_goes_through(alice):
    client = client_for(alice)

    refused = create(client, {"subject": "", "body": "text"})
    accepted = create(client, NEW_TICKET)

    assert refused.status_code == 422
    assert accepted.status_code == 201
    assert Ticket.objects.count() == 1


def test_overlong_key_is_refused_naming_the_header(alice):
    response = create(client_for(alice), key="k" * 256)

    assert response.status_code == 422
    assert fields(response) == {"Idempotency-Key"}
    assert not Ticket.objects.exists()


def test_key_without_credentials_still_gets_401(db):
    from django.test import Client

    response = create(Client())

    assert response.status_code == 401


def test_repeated_reply_with_a_key_adds_one_message(agent, ticket):
    client = client_for(agent)
    reply = {"body": "Please send the log"}

    answers = [
        client.post(
            f"{API}/tickets/{ticket.number}/messages",
            reply,
            content_type="application/json",
            headers={"Idempotency-Key": "reply-1"},
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Message.objects.filter(ticket=ticket).count() == 2  # the opening message and one reply


def test_repeated_upload_with_a_key_stores_the_file_once(alice, ticket, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(alice)

    def upload():
        log = SimpleUploadedFile("query.log", b"ERR_QUERY_TIMEOUT", content_type="text/plain")
        return client.post(
            f"{API}/tickets/{ticket.number}/attachments",
            {"attachments": [log]},
            headers={"Idempotency-Key": "upload-1"},
        )

    first, again = upload(), upload()

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Attachment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_ticket(alice, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs concurrent transactions")
    # Both requests are inside their transaction, past the lookup, before either records its key:
    # the second can only learn of the first from the unique constraint.
    both_inside = threading.Barrier(2, timeout=10)
    real_open = tickets_api.ticket_open

    def open_after_both_arrive(**kwargs):
        both_inside.wait()
        return real_open(**kwargs)

    monkeypatch.setattr(tickets_api, "ticket_open", open_after_both_arrive)
    client = client_for(alice)
    answers = []

    def send():
        try:
            answers.append(create(client, key="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Ticket.objects.count() == 1
