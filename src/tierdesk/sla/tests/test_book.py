"""The policy book: each metric's target from the first matching policy that sets it, with that
policy's calendar and pausing, on the default policies and on a book built by hand; and the
policy list flagging only the policies whose every target a catch-all above already sets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.test import Client

from conftest import PASSWORD
from tierdesk.sla import setup
from tierdesk.sla.book import CompiledPolicy, PolicyBook, current_book, setup_changed
from tierdesk.sla.calendar import AROUND_THE_CLOCK, BusinessHours, Span
from tierdesk.sla.choices import Metric
from tierdesk.sla.clocks import Attributes
from tierdesk.sla.models import BusinessCalendar, SlaPolicy

HOUR = 3600
FIRST = Metric.FIRST_RESPONSE
NEXT = Metric.NEXT_RESPONSE
PERIODIC = Metric.PERIODIC_UPDATE
RESOLUTION = Metric.RESOLUTION


def targets_of(attributes: Attributes) -> dict[str, tuple[str, int, bool]]:
    """(policy, seconds, business hours) of each target the stored book gives."""
    return {
        metric: (spec.policy_name, spec.seconds, spec.business_hours)
        for metric, spec in current_book()(attributes).items()
    }


# --- the default policies -----------------------------------------------------------------------


def test_an_enterprise_chat_gets_the_chat_responses_and_the_enterprise_resolution(db):
    chat = Attributes(channel="chat", priority="normal", plan="enterprise", region="americas")

    assert targets_of(chat) == {
        FIRST: ("Live chat", 30, False),
        NEXT: ("Live chat", 120, False),
        RESOLUTION: ("Premium and enterprise", 48 * HOUR, False),
    }


def test_a_standard_phone_ticket_is_resolved_in_the_catch_alls_business_hours(db):
    phone = Attributes(channel="phone", priority="normal", plan="standard", region="americas")

    specs = current_book()(phone)

    assert targets_of(phone) == {
        FIRST: ("Phone", 20, False),
        NEXT: ("Email, portal and API", 4 * HOUR, True),
        RESOLUTION: ("Email, portal and API", 27 * HOUR, True),
    }
    new_york = BusinessCalendar.objects.get(name="New York")
    assert (specs[FIRST].calendar_id, specs[RESOLUTION].calendar_id) == (None, new_york.pk)


def test_an_urgent_enterprise_chat_takes_the_urgent_enterprise_updates_and_resolution(db):
    chat = Attributes(channel="chat", priority="urgent", plan="premium", region="emea")

    assert targets_of(chat) == {
        FIRST: ("Live chat", 30, False),
        NEXT: ("Live chat", 120, False),
        PERIODIC: ("Premium and enterprise, urgent", 2 * HOUR, False),
        RESOLUTION: ("Premium and enterprise, urgent", 8 * HOUR, False),
    }


def test_the_first_policy_that_sets_a_target_still_wins_it(db):
    email = Attributes(channel="email", priority="normal", plan="enterprise", region="americas")

    # The catch-all below also sets every one of these: none comes from it.
    assert targets_of(email) == {
        FIRST: ("Premium and enterprise", HOUR, False),
        NEXT: ("Premium and enterprise", 4 * HOUR, False),
        RESOLUTION: ("Premium and enterprise", 48 * HOUR, False),
    }


def test_a_deactivated_policy_leaves_its_targets_to_the_next(db):
    SlaPolicy.objects.filter(name="Live chat").update(active=False)
    setup_changed()
    chat = Attributes(channel="chat", priority="normal", plan="enterprise", region="americas")

    assert targets_of(chat)[FIRST] == ("Premium and enterprise", HOUR, False)


# --- a book built by hand -----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    pk: int
    metric: str
    seconds: int
    business_hours: bool = True
    goal_percent: Decimal = Decimal(90)
    warn_before_seconds: int = 0


def policy(id: int, name: str, targets: list[Target], **options) -> CompiledPolicy:
    conditions = {
        "plans": frozenset(),
        "channels": frozenset(),
        "priorities": frozenset(),
        "organization_ids": frozenset(),
        "tags": frozenset(),
        "calendar_id": None,
        "pause_on_hold": False,
    }
    conditions.update(options)
    return CompiledPolicy(id=id, name=name, targets=tuple(targets), **conditions)


TOKYO = BusinessHours(time_zone="Asia/Tokyo", weekly={d: [Span(540, 1080)] for d in range(5)})
LONDON = BusinessHours(time_zone="Europe/London", weekly={d: [Span(540, 1020)] for d in range(5)})


def test_each_target_keeps_the_calendar_and_pausing_of_the_policy_that_gave_it():
    book = PolicyBook(
        [
            policy(
                1,
                "Chat desk",
                [Target(11, FIRST, 60)],
                channels=frozenset({"chat"}),
                calendar_id=1,
                pause_on_hold=True,
            ),
            policy(2, "Everyone", [Target(21, FIRST, HOUR), Target(22, RESOLUTION, 9 * HOUR)]),
        ],
        {1: TOKYO, 2: LONDON},
        {"emea": 2},
        None,
    )

    chat = book(Attributes(channel="chat", priority="normal", region="emea"))
    email = book(Attributes(channel="email", priority="normal", region="emea"))

    first, resolution = chat[FIRST], chat[RESOLUTION]
    assert (first.policy_name, first.target_id, first.hours, first.calendar_id) == (
        "Chat desk",
        11,
        TOKYO,
        1,
    )
    assert first.pause_on_hold
    assert (resolution.policy_name, resolution.hours, resolution.calendar_id) == (
        "Everyone",
        LONDON,
        2,
    )
    assert not resolution.pause_on_hold
    assert {m: s.policy_name for m, s in email.items()} == {
        FIRST: "Everyone",
        RESOLUTION: "Everyone",
    }


def test_a_policy_without_a_calendar_counts_around_the_clock_where_nobody_has_one():
    book = PolicyBook([policy(1, "Everyone", [Target(1, RESOLUTION, HOUR)])], {}, {}, None)

    spec = book(Attributes(channel="email", priority="low"))[RESOLUTION]

    assert (spec.hours, spec.business_hours, spec.calendar_id) == (AROUND_THE_CLOCK, False, None)


def test_no_matching_policy_gives_no_targets():
    book = PolicyBook(
        [policy(1, "Chat", [Target(1, FIRST, 30)], channels=frozenset({"chat"}))], {}, {}, None
    )

    assert book(Attributes(channel="email", priority="normal")) == {}


# --- the policy list ----------------------------------------------------------------------------


def test_the_list_flags_only_policies_whose_every_target_a_catch_all_above_sets(admin_user):
    common = {"seconds": HOUR, "business_hours": True}
    setup.policy_create(
        actor=admin_user, name="Updates for all", targets=[{"metric": PERIODIC, **common}]
    )
    setup.policy_create(
        actor=admin_user, name="Late replies", targets=[{"metric": FIRST, **common}]
    )
    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)

    page = client.get("/sla/policies/").content.decode()

    rows = {
        name: page.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
        for name in ("Live chat", "Email, portal and API", "Updates for all", "Late replies")
    }
    flag = "Never applies: Email, portal and API above matches every ticket."
    # The catch-all promises no periodic updates: a policy below it gives them.
    assert flag not in rows["Updates for all"]
    assert flag in rows["Late replies"]
    assert "Never applies" not in rows["Live chat"] + rows["Email, portal and API"]
