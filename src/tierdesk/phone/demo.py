"""The demo desk's phone line: numbers for the contacts of premium and enterprise customers (the
phone line is their benefit), and the call behind each phone ticket the demo opened, answered
by the engineer who opened the ticket. Some callers gave up once before they got through."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from tierdesk.accounts.choices import Plan, Region, Role
from tierdesk.accounts.models import User
from tierdesk.phone.choices import Direction
from tierdesk.phone.models import Call
from tierdesk.phone.numbers import normalize_number
from tierdesk.phone.services import contact_numbers_sync
from tierdesk.tickets.choices import Channel, MessageKind
from tierdesk.tickets.models import Message, Ticket

SOURCE = "demo-pbx"
# How each region's numbers are written, with room for the contact's own digits.
NUMBER_FORMATS = {
    Region.AMERICAS: "+1 (555) 01{0}-{1}",
    Region.JAPAN: "+81 3-55{0}-{1}",
    Region.RUSSIA: "+7 (495) 5{0}-{1}",
    Region.EMEA: "+44 20 75{0} {1}",
    Region.APAC: "+65 65{0} {1}",
}
QUEUES = {"en": "Support EN", "ja": "Support JA", "ru": "Support RU"}
# A caller who hung up before the call that got through: about one in sixteen.
ABANDONED_FIRST_SHARE = 0.06
BATCH = 1000


def seed_phone_demo(*, seed: int = 1) -> int:
    """Gives phone numbers to the premium and enterprise contacts who have none, and a call to
    each phone ticket that has none; returns how many calls it wrote. Running it again adds
    nothing. Waits are drawn so that the line answers a little under 90% within 20 s."""
    rng = random.Random(seed)
    _number_contacts(rng)
    written = 0
    pending = _tickets_without_calls()
    for start in range(0, len(pending), BATCH):
        batch = list(
            Ticket.objects.filter(pk__in=pending[start : start + BATCH])
            .select_related("requester")
            .order_by("pk")
        )
        openers: dict[int, int] = {}
        for ticket_id, author_id in (
            Message.objects.filter(ticket__in=batch, kind=MessageKind.PUBLIC)
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "author_id")
        ):
            openers.setdefault(ticket_id, author_id)
        agents = {u.pk: u for u in User.objects.filter(pk__in=set(openers.values()))}
        calls: list[Call] = []
        for ticket in batch:
            opener = agents.get(openers.get(ticket.pk, 0))
            calls.extend(
                _calls_of(rng, ticket, opener if opener and opener.is_support_staff else None)
            )
        with transaction.atomic():
            Call.objects.bulk_create(calls)
        written += len(calls)
    return written


def _number_contacts(rng: random.Random) -> None:
    people = User.objects.filter(
        role=Role.CUSTOMER,
        phone="",
        organization__plan__in=[Plan.PREMIUM, Plan.ENTERPRISE],
    ).select_related("organization")
    numbered = []
    for person in people.order_by("pk"):
        template = NUMBER_FORMATS.get(person.organization.region, NUMBER_FORMATS[Region.EMEA])
        person.phone = template.format(f"{person.pk % 100:02d}", f"{rng.randrange(10_000):04d}")
        numbered.append(person)
    User.objects.bulk_update(numbered, ["phone"], batch_size=BATCH)
    # bulk_update skips the save hook; the sync stores the numbers normalised.
    contact_numbers_sync()


def _tickets_without_calls() -> list[int]:
    has_call = Call.objects.filter(ticket=OuterRef("pk"))
    return list(
        Ticket.objects.filter(channel=Channel.PHONE)
        .exclude(Exists(has_call))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _wait(rng: random.Random) -> int:
    """Seconds to answer: mostly quick, a busy hour's tail now and then."""
    roll = rng.random()
    if roll < 0.72:
        return rng.randint(3, 14)
    if roll < 0.88:
        return rng.randint(15, 20)
    return rng.randint(21, 150)


def _calls_of(rng: random.Random, ticket: Ticket, agent: User | None) -> list[Call]:
    requester = ticket.requester
    number = normalize_number(requester.phone) or ""
    contact = requester if number and requester.is_customer else None
    queue = QUEUES.get(ticket.language, QUEUES["en"])
    wait, talk = _wait(rng), rng.randint(90, 1200)
    ended = ticket.created_at - timedelta(seconds=rng.randint(30, 300))
    answered = ended - timedelta(seconds=talk)
    offered = answered - timedelta(seconds=wait)
    reporter = agent or requester
    calls = [
        Call(
            source=SOURCE,
            external_id=f"demo-{ticket.pk}",
            direction=Direction.INBOUND,
            caller_number=number,
            queue=queue,
            offered_at=offered,
            answered_at=answered,
            ended_at=ended,
            wait_seconds=wait,
            talk_seconds=talk,
            agent=agent,
            contact=contact,
            ticket=ticket,
            ticket_opened=True,
            reported_by=reporter,
            created_at=ticket.created_at,
            updated_at=ticket.created_at,
        )
    ]
    if rng.random() < ABANDONED_FIRST_SHARE:
        gave_up = rng.randint(25, 180)
        first = offered - timedelta(minutes=rng.randint(5, 40))
        calls.append(
            Call(
                source=SOURCE,
                external_id=f"demo-{ticket.pk}-first",
                direction=Direction.INBOUND,
                caller_number=number,
                queue=queue,
                offered_at=first,
                ended_at=first + timedelta(seconds=gave_up),
                wait_seconds=gave_up,
                contact=contact,
                ticket=ticket,
                reported_by=reporter,
                created_at=ticket.created_at,
                updated_at=ticket.created_at,
            )
        )
    return calls
