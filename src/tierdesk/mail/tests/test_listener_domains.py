"""The listener's RCPT answers from the support domains it read lately, and reads them again
before it refuses anyone."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiosmtpd.smtp import Envelope

from tierdesk.mail import listener


@pytest.fixture
def reads(monkeypatch):
    """The support domains the handler sees, and how often it reads them."""
    state = {"domains": {"tierdesk.test"}, "reads": 0}

    def support_domains():
        state["reads"] += 1
        return set(state["domains"])

    monkeypatch.setattr(listener, "_support_domains", support_domains)
    return state


def rcpt(handler, address: str) -> str:
    envelope = Envelope()
    # In a thread of its own: a browser test in the same process may have left an event loop
    # running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(
            asyncio.run, handler.handle_RCPT(None, None, envelope, address, [])
        ).result()


@pytest.fixture
def handler(settings):
    handler = listener.SupportMailHandler(store=lambda raw, **kwargs: None, threads=1)
    yield handler
    handler.executor.shutdown(wait=True)


def test_a_support_domain_read_lately_is_accepted_without_reading_again(handler, reads):
    assert rcpt(handler, "support@tierdesk.test") == "250 OK"
    assert rcpt(handler, "billing@TierDesk.test") == "250 OK"

    assert reads["reads"] == 1


def test_another_domain_is_read_again_before_it_is_refused(handler, reads):
    assert rcpt(handler, "support@tierdesk.test") == "250 OK"
    assert rcpt(handler, "victim@example.test").startswith("550")
    reads["domains"].add("brand.test")  # a support address added in a new domain

    assert rcpt(handler, "help@brand.test") == "250 OK"
    assert reads["reads"] == 3


def test_what_was_read_goes_stale(monkeypatch, handler, reads):
    monkeypatch.setattr(listener, "DOMAINS_FRESH_SECONDS", 0)
    rcpt(handler, "support@tierdesk.test")
    reads["domains"] = {"other.test"}  # the support address was removed

    assert rcpt(handler, "support@tierdesk.test").startswith("550")
    assert reads["reads"] == 2
