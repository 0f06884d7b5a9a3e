"""The phone pages: the console with the SLA per queue and the recent calls, and the calls card
on the ticket page."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PASSWORD
from tierdesk.phone.tests.conftest import at


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def page(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def calls(report, dana, agent):
    answered = report(
        "a",
        caller_number="+15550102030",
        queue="Support EN",
        offered_at=at(0),
        answered_at=at(12),
        ended_at=at(12 + 185),
        agent="agent",
        recording_url="https://pbx.example/rec/a.wav",
    ).call
    abandoned = report(
        "b", caller_number="+49 30 1234567", queue="Support JA", offered_at=at(5), ended_at=at(50)
    ).call
    return answered, abandoned


def test_the_console_shows_the_sla_per_queue_and_the_calls(calls, reviewer):
    html = page(signed_in(reviewer), "/phone/")

    answered, abandoned = calls
    assert 'data-stat="offered"><div class="figure">2<' in html
    assert '<div class="figure">50.0%</div>' in html
    assert '<span class="badge sla-missed">Below target</span>' in html
    assert '<tr data-queue="Support EN">' in html
    assert '<tr data-queue="Support JA">' in html
    assert f'data-call="{answered.pk}" data-outcome="answered"' in html
    assert f'data-call="{abandoned.pk}" data-outcome="abandoned"' in html
    assert "Dana" in html and "+49301234567" in html
    assert "3 min 5 s" in html
    assert 'href="https://pbx.example/rec/a.wav"' in html
    assert f'href="/tickets/{answered.ticket_id}/"' in html


def test_the_console_filters_the_calls_by_queue_and_outcome(calls, agent):
    answered, abandoned = calls
    client = signed_in(agent)

    by_queue = page(client, "/phone/", {"queue": "Support JA"})
    by_outcome = page(client, "/phone/", {"outcome": "answered"})

    assert f'data-call="{abandoned.pk}"' in by_queue
    assert f'data-call="{answered.pk}"' not in by_queue
    assert f'data-call="{answered.pk}"' in by_outcome
    assert f'data-call="{abandoned.pk}"' not in by_outcome


def test_the_console_pages_through_older_calls(report, agent):
    for n in range(55):
        report(f"c{n}", caller_number="+1555", offered_at=at(n))
    client = signed_in(agent)

    first = page(client, "/phone/")
    cursor = first.split("cursor=")[1].split('"')[0]
    second = page(client, "/phone/", {"cursor": cursor})

    assert first.count('data-outcome="ringing"') == 50
    assert second.count('data-outcome="ringing"') == 5


def test_a_customer_is_sent_to_the_portal(calls, dana):
    dana.set_password(PASSWORD)
    dana.save()

    response = signed_in(dana).get("/phone/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_the_ticket_page_shows_its_calls_to_staff(calls, agent):
    answered, _abandoned = calls

    html = page(signed_in(agent), f"/tickets/{answered.ticket_id}/")

    assert 'id="calls"' in html
    assert f'data-call="{answered.pk}" data-outcome="answered"' in html
    assert "Support EN" in html
    assert 'data-wait="12"' in html and 'data-talk="185"' in html
    assert 'href="https://pbx.example/rec/a.wav"' in html


def test_a_ticket_without_calls_has_no_calls_card(ticket, agent):
    assert 'id="calls"' not in page(signed_in(agent), f"/tickets/{ticket.number}/")


def test_the_customer_never_sees_the_calls_card(calls, dana):
    answered, _abandoned = calls
    dana.set_password(PASSWORD)
    dana.save()

    html = page(signed_in(dana), f"/portal/tickets/{answered.ticket_id}/")

    assert 'id="calls"' not in html
    assert "pbx.example" not in html
