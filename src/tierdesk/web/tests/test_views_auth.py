"""Sign-in, sign-out, the home redirect by role, the language switch and the time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from conftest import PASSWORD
from tierdesk.tickets.services import ticket_open


def test_sign_in_page_renders_for_anonymous_visitors(client, db):
    response = client.get(reverse("web:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_home_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_agent_signing_in_lands_in_the_console(client, agent):
    # Given an agent's credentials
    # When they sign in and follow the redirects
    response = client.post(
        reverse("web:login"), {"username": "agent", "password": PASSWORD}, follow=True
    )
    # Then they are on the ticket list
    assert response.redirect_chain[-1][0] == reverse("tickets:list")
    assert response.status_code == 200


def test_customer_signing_in_lands_in_the_portal(client, alice):
    response = client.post(
        reverse("web:login"), {"username": "alice", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:home")


def test_wrong_password_keeps_the_username_and_says_why(client, agent):
    response = client.post(reverse("web:login"), {"username": "agent", "password": "nope"})
    assert response.status_code == 200
    assert b'value="agent"' in response.content
    assert b"form-errors" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, agent):
    client.force_login(agent)
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_signed_in_person_switches_language_and_it_is_saved(client, agent):
    # Given an agent reading in English
    client.force_login(agent)
    # When they choose Japanese in the header
    response = client.post(reverse("web:language"), {"language": "ja", "next": "/tickets/"})
    # Then it is saved on their account and they go back where they were
    assert response.status_code == 302
    assert response["Location"] == "/tickets/"
    agent.refresh_from_db()
    assert agent.language == "ja"
    page = client.get("/tickets/")
    assert page["Content-Language"] == "ja"
    assert b'<html lang="ja">' in page.content


def test_language_switch_refuses_a_language_we_do_not_ship(client, agent):
    client.force_login(agent)
    client.post(reverse("web:language"), {"language": "xx", "next": "/tickets/"})
    agent.refresh_from_db()
    assert agent.language == "en"


def test_language_switch_never_redirects_off_site(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("web:language"), {"language": "ru", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("web:home")


def test_anonymous_visitor_switches_language_with_djangos_view(client, db):
    page = client.get(reverse("web:login"))
    assert reverse("set_language").encode() in page.content
    client.post(reverse("set_language"), {"language": "ru", "next": reverse("web:login")})
    response = client.get(reverse("web:login"))
    assert response["Content-Language"] == "ru"


@pytest.mark.django_db
def test_times_show_in_the_signed_in_persons_time_zone(client, alice, agent):
    # Given a ticket opened at 12:00 UTC and an agent in Tokyo (UTC+9)
    import time_machine

    with time_machine.travel(dt.datetime(2025, 3, 3, 12, 0, tzinfo=dt.UTC), tick=False):
        ticket = ticket_open(actor=alice, subject="Clock check", body="When was this?")
    agent.time_zone = "Asia/Tokyo"
    agent.save(update_fields=["time_zone"])
    client.force_login(agent)
    # When they open the ticket
    response = client.get(reverse("tickets:detail", args=[ticket.number]))
    # Then the time is 21:00 local, with its offset
    assert b'datetime="2025-03-03T21:00:00+09:00"' in response.content


def test_account_page_creates_a_token_shown_once_and_revokes_it(client, agent):
    client.force_login(agent)
    # When the agent creates a token
    response = client.post(reverse("web:account"), {"name": "telephony"})
    assert response.status_code == 200
    raw = response.context["new_key"]
    assert raw.startswith("td_")
    assert raw.encode() in response.content
    token = agent.api_tokens.get()
    # Then reloading never shows the key again
    assert raw.encode() not in client.get(reverse("web:account")).content
    # And revoking it marks it revoked
    client.post(reverse("web:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_someone_elses_token(client, agent, backline):
    from tierdesk.accounts.services import token_issue

    token, _raw = token_issue(user=backline, name="theirs")
    client.force_login(agent)
    client.post(reverse("web:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_customer_account_page_sits_in_the_portal(client, alice):
    client.force_login(alice)
    response = client.get(reverse("web:account"))
    assert response.status_code == 200
    assert b"Open a new request" in response.content


def test_unknown_page_renders_the_404_page(client, agent):
    client.force_login(agent)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Not found" in response.content
