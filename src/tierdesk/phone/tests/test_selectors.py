"""Reading calls: who sees which, the list's filters and pages, and the phone SLA per queue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.macros.merge import ticket_merge
from tierdesk.phone import selectors
from tierdesk.phone.selectors import CallFilters
from tierdesk.phone.tests.conftest import NOW, at
from tierdesk.tickets.services import ticket_open, ticket_update


@pytest.fixture
def day_of_calls(report, dana, agent):
    """Six inbound calls in two queues and one outbound call, an hour apart."""

    def call(n, queue, wait=None, talk=None, abandoned_after=None, direction="inbound"):
        start = at(-3600 * n)
        fields = {"caller_number": "+15550102030", "queue": queue, "offered_at": start}
        if wait is not None:
            fields.update(answered_at=start + timedelta(seconds=wait), agent="agent")
            if talk is not None:
                fields["ended_at"] = start + timedelta(seconds=wait + talk)
        elif abandoned_after is not None:
            fields["ended_at"] = start + timedelta(seconds=abandoned_after)
        return report(f"c{n}", direction=direction, **fields).call

    return [
        call(1, "EN", wait=5, talk=300),
        call(2, "EN", wait=20, talk=100),
        call(3, "EN", wait=45, talk=200),
        call(4, "EN", abandoned_after=70),
        call(5, "JA", wait=10, talk=600),
        call(6, "JA"),  # still ringing
        call(7, "EN", wait=3, talk=60, direction="outbound"),
    ]


def test_stats_count_offered_answered_abandoned_and_the_answer_target(day_of_calls, agent):
    stats = selectors.call_stats(agent)

    by_queue = {q.queue: q for q in stats.queues}
    en, ja, total = by_queue["EN"], by_queue["JA"], stats.total
    assert (en.offered, en.answered, en.abandoned, en.ringing) == (4, 3, 1, 0)
    assert en.answered_within_target == 2  # 5 s and exactly 20 s; 45 s is late
    assert en.service_level == 0.5
    assert en.target_met is False
    assert en.abandon_rate == 0.25
    assert en.average_wait_seconds == pytest.approx((5 + 20 + 45) / 3)
    assert en.average_talk_seconds == pytest.approx(200)
    assert en.longest_wait_seconds == 70
    assert en.outbound == 1
    assert (ja.offered, ja.answered, ja.ringing, ja.service_level) == (2, 1, 1, 0.5)
    assert (total.offered, total.answered, total.abandoned, total.ringing) == (6, 4, 1, 1)
    assert total.answered_within_target == 3
    assert total.service_level == 0.5
    assert total.average_talk_seconds == pytest.approx((300 + 100 + 200 + 600) / 4)
    assert total.outbound == 1
    assert (stats.target_seconds, stats.target_share) == (20, 0.9)


def test_stats_meet_the_target_at_90_percent(report, pbx):
    for n in range(10):
        late = n == 9
        report(
            f"c{n}",
            caller_number="+1555",
            offered_at=at(0),
            answered_at=at(30 if late else 10),
        )

    stats = selectors.call_stats(pbx)

    assert stats.total.service_level == 0.9
    assert stats.total.target_met is True


def test_stats_count_only_calls_offered_in_the_period(day_of_calls, agent):
    stats = selectors.call_stats(agent, since=at(-3600 * 3 - 1), until=at(-3600 * 1 + 1))

    assert stats.total.offered == 3
    assert {q.queue for q in stats.queues} == {"EN"}


def test_stats_of_one_queue(day_of_calls, agent):
    stats = selectors.call_stats(agent, queue="JA")

    assert [q.queue for q in stats.queues] == ["JA"]
    assert stats.total.offered == 2


def test_an_empty_period_has_no_shares(agent):
    stats = selectors.call_stats(agent)

    assert stats.total.offered == 0
    assert stats.total.service_level is None
    assert stats.total.target_met is None
    assert stats.queues == []


def test_stats_default_to_the_last_seven_days(agent):
    stats = selectors.call_stats(agent)

    assert (stats.since, stats.until) == (NOW - timedelta(days=7), NOW)


@pytest.mark.parametrize(
    ("since", "until"),
    [(NOW, NOW - timedelta(hours=1)), (NOW - timedelta(days=400), NOW)],
)
def test_a_backwards_or_too_long_period_is_refused_naming_until(agent, since, until):
    with pytest.raises(ValidationFailed) as excinfo:
        selectors.call_stats(agent, since=since, until=until)

    assert set(excinfo.value.errors) == {"until"}


def test_customers_read_no_calls(day_of_calls, alice):
    with pytest.raises(PermissionDenied):
        selectors.call_stats(alice)
    with pytest.raises(PermissionDenied):
        selectors.call_list(alice, CallFilters())
    with pytest.raises(PermissionDenied):
        selectors.call_get_for_user(alice, day_of_calls[0].pk)
    assert selectors.calls_visible_to(alice).count() == 0


def test_a_call_on_a_restricted_ticket_is_seen_only_by_the_staff_named_on_it(
    report, dana, agent, backline, reviewer
):
    call = report(caller_number="+15550102030", offered_at=at(0)).call
    ticket_update(actor=agent, ticket=call.ticket, changes={"restricted": True})

    assert selectors.call_get_for_user(agent, call.pk) == call
    with pytest.raises(NotFound):
        selectors.call_get_for_user(backline, call.pk)
    assert selectors.call_list(reviewer, CallFilters()).calls == []
    assert selectors.call_stats(backline).total.offered == 1  # counted, not shown


def test_the_answer_to_a_report_is_for_its_reporter_and_the_calls_readers(
    report, pbx, dana, agent, backline
):
    call = report(caller_number="+15550102030", offered_at=at(0)).call
    ticket_update(actor=agent, ticket=call.ticket, changes={"restricted": True})

    assert selectors.call_of_report(pbx, call.pk) == call  # not named, but sent it
    assert selectors.call_of_report(agent, call.pk) == call
    with pytest.raises(NotFound):
        selectors.call_of_report(backline, call.pk)


def test_the_list_filters_by_queue_outcome_direction_agent_caller_and_ticket(
    day_of_calls, agent, backline
):
    def ids(**filters):
        return [c.external_id for c in selectors.call_list(agent, CallFilters(**filters)).calls]

    assert ids(queue="JA") == ["c5", "c6"]
    assert ids(outcome="abandoned") == ["c4"]
    assert ids(outcome="ringing") == ["c6"]
    assert ids(direction="outbound") == ["c7"]
    assert ids(agent="me", queue="JA") == ["c5"]
    assert ids(agent=backline.pk) == []
    assert ids(caller_number="+15559999999") == []
    assert ids(ticket=day_of_calls[0].ticket_id) == ["c1"]
    assert ids(external_id="c3") == ["c3"]
    assert ids(since=at(-3600 * 2 - 1), until=at(-3600 + 1)) == ["c1", "c2"]


def test_the_cursor_walks_every_call_once_newest_first(day_of_calls, agent):
    seen, cursor = [], None
    while True:
        page = selectors.call_list(agent, CallFilters(), cursor=cursor, limit=3)
        seen += [c.external_id for c in page.calls]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == [f"c{n}" for n in range(1, 8)]


def test_a_cursor_the_list_never_gave_out_is_refused_naming_cursor(agent):
    with pytest.raises(ValidationFailed) as excinfo:
        selectors.call_list(agent, CallFilters(), cursor="bm90LWEtY3Vyc29y")

    assert set(excinfo.value.errors) == {"cursor"}


def test_a_tickets_calls_include_those_of_tickets_merged_into_it(report, dana, agent):
    first = report("a", caller_number="+15550102030", offered_at=at(0)).call
    survivor = ticket_open(actor=dana, subject="Same", body="Same problem")
    second = report("b", caller_number="+15550102030", offered_at=at(5), ticket=survivor.number)
    ticket_merge(actor=agent, source=first.ticket, target=survivor)

    assert selectors.calls_of_ticket(agent, survivor) == [first, second.call]
    assert selectors.calls_of_ticket(dana, survivor) == []
