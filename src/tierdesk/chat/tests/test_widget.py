"""The widget's endpoints from a customer's website: CORS for allowed origins only, starting a
chat, reading and writing it with its secret, ending it, and every refusal in the API's shape."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tierdesk.chat import services
from tierdesk.chat.models import ChatSession
from tierdesk.chat.services import chat_reply, chat_take
from tierdesk.chat.tests.conftest import SITE_ORIGIN
from tierdesk.tickets.models import Message

START = "/chat/widget/sessions"
VISITOR = {
    "name": "Dana Reyes",
    "email": "dana@acme.test",
    "message": "Exports to S3 fail with AccessDenied",
    "page_url": "https://www.acme-docs.test/exports",
    "language": "en-GB",
}


def post(client, path, body, **headers):
    return client.post(
        path,
        json.dumps(body) if not isinstance(body, str | bytes) else body,
        content_type="application/json",
        headers=headers,
    )


def fields(response) -> set[str]:
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    return {error["field"] for error in body["errors"]}


@pytest.fixture
def started(site, site_client, acme):
    response = post(site_client, START, VISITOR)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_preflight_from_an_allowed_origin_is_answered(site, site_client):
    response = site_client.options(
        f"{START}/1/messages",
        headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-chat-token",
        },
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "X-Chat-Token" in response["Access-Control-Allow-Headers"]
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Origin" in response["Vary"]


def test_another_origin_is_refused_without_cors_headers(site, acme):
    client = Client(headers={"Origin": "https://evil.test"})

    preflight = client.options(START, headers={"Access-Control-Request-Method": "POST"})
    start = post(client, START, VISITOR)

    assert preflight.status_code == 403
    assert start.status_code == 403
    assert "Access-Control-Allow-Origin" not in start
    assert fields(start) == {"Origin"}
    assert not ChatSession.objects.exists()


def test_a_deactivated_site_is_refused(site, site_client, acme):
    site.is_active = False
    site.save()

    assert post(site_client, START, VISITOR).status_code == 403


def test_the_desks_own_pages_need_no_site(acme, db):
    client = Client(headers={"Origin": "http://testserver"})

    response = post(client, START, VISITOR)

    assert response.status_code == 201
    assert ChatSession.objects.get().site is None


def test_starting_answers_201_with_the_chat_its_first_line_and_its_secret(started, site):
    chat = ChatSession.objects.get()
    assert started["id"] == chat.pk
    assert started["status"] == "waiting"
    assert started["ticket"] == chat.ticket_id
    assert started["token"].startswith("tdc_") and chat.token_matches(started["token"])
    assert [line["text"] for line in started["lines"]] == [VISITOR["message"]]
    assert started["lines"][0]["from"] == "customer"
    assert (chat.site, chat.page_url, chat.visitor_ip) == (site, VISITOR["page_url"], "127.0.0.1")


def test_the_start_answer_carries_cors_and_no_cache(site, site_client, acme):
    response = post(site_client, START, VISITOR)

    assert response["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


def test_invalid_input_is_422_naming_each_field(site, site_client, acme):
    response = post(site_client, START, {"name": "", "email": "nope", "message": " "})

    assert response.status_code == 422
    assert fields(response) == {"name", "email", "message"}


def test_an_unknown_domain_is_422_naming_email(site, site_client, acme):
    response = post(site_client, START, {**VISITOR, "email": "x@unknown.test"})

    assert response.status_code == 422
    assert fields(response) == {"email"}


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(site, site_client, body):
    response = post(site_client, START, body)

    assert response.status_code == 400
    assert fields(response) == {"body"}


def test_starting_too_often_is_429_with_retry_after(site, site_client, acme, monkeypatch):
    monkeypatch.setattr(services, "STARTS_PER_EMAIL_PER_HOUR", 1)
    post(site_client, START, VISITOR)

    response = post(site_client, START, VISITOR)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 3500
    assert response["Access-Control-Expose-Headers"] == "Retry-After"


def test_a_wrong_method_is_405_in_the_error_shape(site, site_client):
    response = site_client.get(START)

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_secret_reads_the_chat_and_its_lines(started, site_client, agent):
    chat = ChatSession.objects.get()
    chat_take(actor=agent, chat=chat)
    chat_reply(actor=agent, chat=chat, body="Which bucket region?")

    response = site_client.get(f"{START}/{chat.pk}", headers={"X-Chat-Token": started["token"]})

    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["taken_by"]) == ("active", "Agent")
    assert [(line["from"], line["text"]) for line in body["lines"]] == [
        ("customer", VISITOR["message"]),
        ("agent", "Which bucket region?"),
    ]
    after = body["lines"][0]["id"]
    later = site_client.get(
        f"{START}/{chat.pk}?after={after}", headers={"X-Chat-Token": started["token"]}
    )
    assert [line["text"] for line in later.json()["lines"]] == ["Which bucket region?"]


def test_a_wrong_or_missing_secret_is_403_and_an_unknown_chat_404(started, site_client):
    chat_id = started["id"]

    wrong = site_client.get(f"{START}/{chat_id}", headers={"X-Chat-Token": "tdc_guess"})
    missing = site_client.get(f"{START}/{chat_id}")
    unknown = site_client.get(f"{START}/{chat_id + 1}", headers={"X-Chat-Token": started["token"]})
    line = post(site_client, f"{START}/{chat_id}/messages", {"body": "hi"}, **{"X-Chat-Token": "x"})

    assert (wrong.status_code, missing.status_code, unknown.status_code) == (403, 403, 404)
    assert line.status_code == 403
    assert Message.objects.count() == 1


def test_the_visitor_sends_a_line(started, site_client):
    response = post(
        site_client,
        f"{START}/{started['id']}/messages",
        {"body": "It is eu-west-1"},
        **{"X-Chat-Token": started["token"]},
    )

    assert response.status_code == 201
    assert (response.json()["text"], response.json()["from"]) == ("It is eu-west-1", "customer")
    assert Message.objects.filter(body_text="It is eu-west-1", channel="chat").exists()


def test_an_empty_line_is_422_naming_body(started, site_client):
    response = post(
        site_client,
        f"{START}/{started['id']}/messages",
        {"body": ""},
        **{"X-Chat-Token": started["token"]},
    )

    assert response.status_code == 422
    assert fields(response) == {"body"}


def test_the_visitor_ends_the_chat_and_cannot_write_after(started, site_client):
    token = {"X-Chat-Token": started["token"]}

    ended = post(site_client, f"{START}/{started['id']}/end", {}, **token)
    line = post(site_client, f"{START}/{started['id']}/messages", {"body": "hello?"}, **token)

    assert ended.status_code == 200
    assert (ended.json()["status"], ended.json()["end_reason"]) == ("ended", "visitor")
    assert line.status_code == 409


def test_config_gives_the_widgets_words(site, site_client):
    response = site_client.get("/chat/widget/config?lang=en")

    assert response.status_code == 200
    strings = response.json()["strings"]
    assert strings["start"] == "Start chat"
    assert strings["joined"] == "%(name)s joined the chat."
    assert response["Access-Control-Allow-Origin"] == SITE_ORIGIN


def test_the_script_and_style_are_served_for_any_site(db):
    script = Client().get("/chat/widget.js")
    style = Client().get("/chat/widget.css")

    assert script.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert b"tierdeskChatLoaded" in script.content
    assert style["Content-Type"].startswith("text/css")
    again = Client().get("/chat/widget.js", headers={"If-None-Match": script["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("hops", "forwarded", "remote", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2", "10.0.0.2"),
        (1, "198.51.100.7", "10.0.0.2", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "10.0.0.2", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.2", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2", None),
    ],
)
def test_the_visitors_address_trusts_only_the_configured_proxies(
    settings, rf, hops, forwarded, remote, expected
):
    from tierdesk.chat.widget import client_ip

    settings.TIERDESK_TRUSTED_PROXIES = hops
    request = rf.post(START, HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)

    assert client_ip(request) == expected
