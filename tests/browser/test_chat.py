"""End to end for live chat: a visitor on a customer's website starts a chat in the widget; an
engineer in another browser sees it waiting, takes it and replies; the visitor sees the reply
appear in the widget without the page reloading. The chat's secret never appears in an address
(the streams open with one-time stream tickets), and once the chat ended a while ago the widget
says so and forgets it.

The customer's website is a page served by a small HTTP server of its own at another origin
(127.0.0.1 and another port, where the desk is localhost), so the widget really talks to the desk
across origins, through CORS. (A page Playwright fulfils itself would count as public to
Chromium, which then refuses its requests to a loopback desk.)"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tierdesk.chat import selectors, streams
from tierdesk.chat.models import ChatSession, ChatWidgetSite
from tierdesk.tickets.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _streams_end_with_the_test():
    """The desk's open event streams end before the test's database is emptied under them."""
    yield
    assert streams.close_streams(timeout=10)


@pytest.fixture
def customer_site(live_server) -> Iterator[str]:
    """The address of a customer's page that includes the widget as documented."""
    desk = live_server.url
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Analytics docs</title></head>
<body><h1>Acme Analytics documentation</h1>
<script src="{desk}/chat/widget.js" data-desk="{desk}" async></script>
</body></html>""".encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/docs/exports.html"
    finally:
        server.shutdown()
        server.server_close()


def test_a_visitor_chats_with_an_engineer_who_takes_the_chat(
    browser, customer_site, live_server, page, sign_in, agent, acme, monkeypatch
):
    from playwright.sync_api import expect

    # Streams end after 4 s here instead of ~25 s: the chat also has to survive reconnects.
    monkeypatch.setattr(streams, "STREAM_SECONDS", 4.0)
    site_url = customer_site
    ChatWidgetSite.objects.create(
        name="Acme docs",
        allowed_origins=[f"{urlsplit(site_url).scheme}://{urlsplit(site_url).netloc}"],
    )

    # Given a visitor on the customer's website, in their own browser
    visitor_context = browser.new_context(locale="en-US", timezone_id="UTC")
    visitor_context.set_default_timeout(15_000)
    try:
        visitor = visitor_context.new_page()
        stream_urls: list[str] = []
        visitor.on(
            "request",
            lambda request: stream_urls.append(request.url) if "/events" in request.url else None,
        )
        visitor.goto(site_url)
        visitor.evaluate("window.__notReloaded = true")

        # When they open the widget and start a chat
        visitor.get_by_role("button", name="Chat with support").click()
        visitor.get_by_label("Your name").fill("Dana Reyes")
        visitor.get_by_label("Your work email").fill("dana@acme.test")
        visitor.get_by_label("How can we help?").fill("Exports to S3 fail with AccessDenied")
        visitor.get_by_role("button", name="Start chat").click()
        expect(visitor.locator(".status")).to_contain_text("Waiting for an engineer")
        chat = ChatSession.objects.get()
        assert (chat.customer.email, chat.customer.organization, chat.site.name) == (
            "dana@acme.test",
            acme,
            "Acme docs",
        )
        assert chat.page_url == site_url

        # Then an engineer, signed in elsewhere, sees it waiting and takes it
        sign_in("agent")
        page.goto("/chat/")
        row = page.locator(f"#waiting-chats tr[data-chat='{chat.pk}']")
        expect(row).to_contain_text("Dana Reyes")
        expect(row).to_contain_text("Exports to S3 fail with AccessDenied")
        row.get_by_role("button", name="Take").click()
        expect(page).to_have_url(re.compile(rf"/chat/{chat.pk}/$"))
        expect(page.locator("#chat-status")).to_have_text("Active")

        # And the visitor is told, live
        expect(visitor.locator(".status")).to_contain_text("Agent joined the chat.")

        # When the engineer replies
        page.fill("#chat-body", "Hello Dana, which bucket region is it?")
        page.keyboard.press("Enter")

        # Then the reply appears in the widget without the page reloading
        expect(visitor.locator(".line.agent .text")).to_have_text(
            "Hello Dana, which bucket region is it?"
        )
        assert visitor.evaluate("window.__notReloaded") is True

        # And the visitor's answer reaches the engineer's page live
        visitor.get_by_placeholder("Type a message").fill("eu-west-1")
        visitor.get_by_role("button", name="Send").click()
        expect(page.locator("#chat-lines")).to_contain_text("eu-west-1")

        # And the transcript is the ticket's timeline
        lines = list(
            Message.objects.filter(ticket=chat.ticket)
            .order_by("pk")
            .values_list("body_text", "channel")
        )
        assert lines == [
            ("Exports to S3 fail with AccessDenied", "chat"),
            ("Hello Dana, which bucket region is it?", "chat"),
            ("eu-west-1", "chat"),
        ]
        chat.refresh_from_db()
        assert chat.taken_by == agent and chat.wait_seconds is not None
        assert chat.first_answer_seconds is not None

        # And the streams (reconnected every 4 s here) never carried the chat's secret
        storage_key = f"tierdesk-chat:{live_server.url}"
        token = visitor.evaluate(f"JSON.parse(localStorage.getItem('{storage_key}')).token")
        assert token.startswith("tdc_")
        visitor.wait_for_timeout(4500)
        assert len(stream_urls) >= 2
        assert all("ticket=tds_" in url and token not in url for url in stream_urls)

        # When the engineer ends the chat (the visitor's page hears it) and its grace period is
        # over (only then: a call answered "gone" before the end reached the page would have it
        # forget the chat before the reload below)
        page.get_by_role("button", name="End chat", exact=True).click()
        expect(visitor.locator(".status")).to_contain_text("We will follow up")
        monkeypatch.setattr(selectors, "ENDED_GRACE_SECONDS", 0)

        # Then the visitor's page, loaded again, says the chat has ended and forgets it
        visitor.reload()
        visitor.get_by_role("button", name="Chat with support").click()
        expect(visitor.locator(".status")).to_have_text("This chat has ended.")
        expect(visitor.get_by_role("button", name="Start a new chat")).to_be_visible()
        assert visitor.evaluate(f"localStorage.getItem('{storage_key}')") is None
    finally:
        visitor_context.close()
