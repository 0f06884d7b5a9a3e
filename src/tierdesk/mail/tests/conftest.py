"""Fixtures of the mail tests: the desk's support addresses, mail as customers' clients write it,
and delivery through the real intake (store, then process) with the worker's queue run at once."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from tierdesk.accounts.models import SkillGroup
from tierdesk.mail.models import InboundMail, SupportAddress

_counter = itertools.count(1)


@pytest.fixture
def immediate_queue() -> Iterator[None]:
    """Tasks queued on commit run at once in the test's process, as the worker would run them."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before


@pytest.fixture
def support_group(db) -> SkillGroup:
    return SkillGroup.objects.create(name="Front desk")


@pytest.fixture
def billing_group(db) -> SkillGroup:
    return SkillGroup.objects.create(name="Billing")


@pytest.fixture
def support_address(support_group) -> SupportAddress:
    """support@tierdesk.test, the default address, for the front desk."""
    return SupportAddress.objects.create(
        address="support@tierdesk.test",
        name="Tierdesk support",
        group=support_group,
        is_default=True,
    )


@pytest.fixture
def billing_address(billing_group, support_address) -> SupportAddress:
    return SupportAddress.objects.create(
        address="billing@tierdesk.test", name="Billing", group=billing_group
    )


def build_mail(
    *,
    sender: str = "alice@acme.test",
    to: str = "support@tierdesk.test",
    subject: str = "Dashboards time out",
    text: str | None = "Every dashboard fails with ERR_QUERY_TIMEOUT since 4.2.",
    html: str | None = None,
    message_id: str | None = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """A message as a mail client writes it. `message_id` "" makes a fresh one, None none."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    if message_id == "":
        message["Message-ID"] = make_msgid(f"test{next(_counter)}", "client.example")
    elif message_id is not None:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


@pytest.fixture
def make_mail() -> Callable[..., bytes]:
    return build_mail


@pytest.fixture
def deliver(db, immediate_queue, django_capture_on_commit_callbacks) -> Callable[..., InboundMail]:
    """Delivers raw mail as the SMTP listener does (stored, then processed by the worker's task
    once the store commits) and returns the row as processing left it."""
    from tierdesk.mail.intake import inbound_store

    def deliver(raw: bytes, *, recipients=("support@tierdesk.test",), source="smtp", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            stored = inbound_store(raw, source=source, recipients=list(recipients), **extra)
        stored.refresh_from_db()
        return stored

    return deliver
