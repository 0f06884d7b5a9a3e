"""Each KPI formula on a hand-built history; expected values are worked out beside each case.

The week under test is Monday 2026-03-02 00:00 to Monday 2026-03-09 00:00 UTC."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from tierdesk.accounts.models import SkillGroup
from tierdesk.measures.book import RAW, KpiBook
from tierdesk.measures.kpis import Scope
from tierdesk.measures.tests.conftest import at
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.choices import EventKind

pytestmark = pytest.mark.django_db

START, END = at("03-02"), at("03-09")
TEAM = Scope(zone=UTC)


def team(
    metric: str, key: str | None = None, scope: Scope = TEAM, start=START, end=END, source=RAW
):
    zone_name = getattr(scope.zone, "key", "UTC")
    return KpiBook(scope, start, end, zone_name, source=source).whole(metric, key)


def test_weekly_resolution_rate_counts_solved_over_open_at_any_time(history):
    # t1: solved before the week -> not open in it.
    t1 = history.ticket("02-20")
    history.status(t1, "02-25", "new", "solved")
    # t2: open at the start, solved in the week -> open and solved.
    t2 = history.ticket("02-20")
    history.status(t2, "03-04", "new", "solved")
    # t3: created in the week, still open -> open.
    history.ticket("03-03")
    # t4: solved before, reopened in the week, solved again -> open (reopens count) and solved.
    t4 = history.ticket("02-20")
    history.status(t4, "02-26", "new", "solved")
    history.status(t4, "03-05", "solved", "open")
    history.status(t4, "03-06", "open", "solved")
    # t5: created after the week -> out.
    history.ticket("03-10")
    # t6: solved and closed long before -> out.
    t6 = history.ticket("02-10")
    history.status(t6, "02-11", "new", "solved")
    history.status(t6, "02-15", "solved", "closed")
    # t7: pending at the start -> open, not solved.
    t7 = history.ticket("02-27")
    history.status(t7, "02-28", "new", "pending")

    cell = team("weekly_resolution_rate")[None]

    # Solved: t2, t4 = 2. Open at some time: t2, t3, t4, t7 = 4. 2 / 4 = 50 %.
    assert (cell.numerator, cell.denominator, cell.value) == (2, 4, 50.0)


def test_a_later_status_change_does_not_rewrite_last_weeks_resolution_rate(history):
    # Given one ticket open in the week and not solved in it (0 / 1)...
    late = history.ticket("03-03")
    solved = history.ticket("03-03")
    history.status(solved, "03-04", "new", "solved")
    before = team("weekly_resolution_rate")[None]
    # ...when it is solved two weeks later and the solved one is reopened then,
    history.status(late, "03-20", "new", "solved")
    history.status(solved, "03-21", "solved", "open")

    after = team("weekly_resolution_rate")[None]

    # then the week still reads 1 solved of 2 open.
    assert (before.numerator, before.denominator) == (after.numerator, after.denominator) == (1, 2)


def test_escalation_rates_divide_escalated_by_handled(history, alice):
    # t2: staff reply in the week -> handled.
    t2 = history.ticket("02-20")
    history.reply(t2, "03-03")
    # t3: status change by staff -> handled.
    t3 = history.ticket("02-20")
    history.status(t3, "03-04", "new", "open", actor=history.staff)
    # t4: escalated to tier 2 in the week (no other staff event) -> handled, escalated to 2.
    t4 = history.ticket("02-20")
    history.escalate(t4, "03-05", 2)
    # t7: only the customer wrote -> not handled.
    t7 = history.ticket("02-20")
    history.reply(t7, "03-05", actor=alice)
    # t8: staff reply and escalation to engineering -> handled, escalated to 3.
    t8 = history.ticket("02-20")
    history.reply(t8, "03-04")
    history.escalate(t8, "03-04", 3)
    # t9: escalated before the week, a staff reply in it -> handled, not escalated in the week.
    t9 = history.ticket("02-10")
    history.escalate(t9, "02-20", 2)
    history.reply(t9, "03-06")

    tier2 = team("escalation_rate")[None]
    tier3 = team("escalation_rate_engineering")[None]

    # Handled: t2, t3, t4, t8, t9 = 5. Tier 2: t4 -> 1 / 5 = 20 %. Tier 3: t8 -> 20 %.
    assert (tier2.numerator, tier2.denominator, tier2.value) == (1, 5, 20.0)
    assert (tier3.numerator, tier3.denominator, tier3.value) == (1, 5, 20.0)


def test_escalation_rate_per_group_and_filtered_by_group(history):
    first, second = SkillGroup.objects.create(name="A"), SkillGroup.objects.create(name="B")
    a1 = history.ticket("02-20", group=first)
    history.escalate(a1, "03-03", 3)
    a2 = history.ticket("02-20", group=first)
    history.reply(a2, "03-03")
    b1 = history.ticket("02-20", group=second)
    history.reply(b1, "03-03")

    per_group = team("escalation_rate_engineering", "group")
    only_b = team("escalation_rate_engineering", scope=Scope(zone=UTC, group=second.pk))[None]

    # A: 1 of 2 handled = 50 %; B: 0 of 1 = 0 %.
    assert (per_group[first.pk].value, per_group[second.pk].value) == (50.0, 0.0)
    assert (only_b.numerator, only_b.denominator) == (0, 1)


def _clock(ticket, metric: str, stopped: str, seconds: float) -> None:
    SlaClock.objects.create(
        ticket=ticket,
        metric=metric,
        policy_name="Standard",
        target_seconds=3600,
        started_at=ticket.created_at,
        stopped_at=at(stopped),
        decided_at=at(stopped),
        state="stopped",
        outcome="met",
        elapsed_seconds=seconds,
        channel=ticket.channel,
        priority=ticket.priority,
        computed_at=at(stopped),
    )


def test_first_response_time_median_and_p90_calendar_and_business(history):
    for hours in (1, 2, 3, 10):
        ticket = history.ticket("03-03")
        ticket.first_responded_at = ticket.created_at + timedelta(hours=hours)
        ticket.save()
        _clock(ticket, "first_response", "03-04", hours * 600)
    # First answered before the week: not counted.
    early = history.ticket("02-20")
    early.first_responded_at = at("02-21")
    early.save()

    cell = team("first_response_time")[None]

    # Calendar [1, 2, 3, 10] h: median (2 + 3) / 2 = 2.5 h = 9000 s; p90 rank 0.9 x 3 = 2.7:
    # 3 h + 0.7 x (10 - 3) h = 7.9 h = 28440 s. Business [600, 1200, 1800, 6000]: median 1500,
    # p90 1800 + 0.7 x 4200 = 4740.
    assert (cell.value, cell.denominator) == (9000.0, 4)
    assert cell.details["p90_seconds"] == 28440.0
    assert cell.details["business_p50_seconds"] == 1500.0
    assert cell.details["business_p90_seconds"] == 4740.0


def _three_resolutions(history):
    # a: 1 day. b: solved, reopened, solved again -> created to the last solve = 2 days.
    # c: created long before, solved in the week after 14 days.
    a = history.ticket("03-01")
    history.status(a, "03-02", "new", "solved")
    b = history.ticket("03-02")
    history.status(b, "03-02 06:00", "new", "solved")
    history.status(b, "03-03", "solved", "open")
    history.status(b, "03-04", "open", "solved")
    c = history.ticket("02-20")
    history.status(c, "03-06", "new", "solved")
    return a, b, c


def test_resolution_time_median_and_p90_to_the_last_solve(history):
    _three_resolutions(history)

    cell = team("resolution_time")[None]

    # [86400, 172800, 1209600]: median 172800; p90 rank 1.8: 172800 + 0.8 x 1036800 = 1002240.
    assert (cell.value, cell.denominator) == (172800.0, 3)
    assert cell.details["p90_seconds"] == 1002240.0


def test_mttr_is_the_mean_calendar_resolution_time(history):
    _three_resolutions(history)

    cell = team("mttr")[None]

    # (86400 + 172800 + 1209600) / 3 = 489600.
    assert (cell.value, cell.numerator, cell.denominator) == (489600.0, 1468800.0, 3)


def test_time_to_close_from_created_to_closed(history):
    # 6 days and 2.5 days; a ticket closed after the week is not counted.
    for created, closed in (("02-25", "03-03"), ("03-02", "03-04 12:00"), ("03-01", "03-12")):
        ticket = history.ticket(created)
        history.status(ticket, created, "new", "solved")
        history.status(ticket, closed, "solved", "closed")

    cell = team("time_to_close")[None]

    # [216000, 518400]: median 367200; p90: 216000 + 0.9 x 302400 = 488160.
    assert (cell.value, cell.denominator) == (367200.0, 2)
    assert cell.details["p90_seconds"] == 488160.0


def test_one_touch_rate_counts_exactly_one_staff_reply_before_the_period_end(history, alice):
    one = history.ticket("03-02")
    history.reply(one, "03-02 01:00", actor=alice)  # the customer's words do not count
    history.reply(one, "03-02 02:00")
    history.status(one, "03-02 03:00", "new", "solved")
    two = history.ticket("03-02")
    history.reply(two, "03-02 02:00")
    history.reply(two, "03-03 02:00")
    history.status(two, "03-03 03:00", "open", "solved")
    none = history.ticket("03-02")
    history.status(none, "03-03", "new", "solved")
    later = history.ticket("03-02")
    history.reply(later, "03-04")
    history.status(later, "03-04 01:00", "new", "solved")
    history.reply(later, "03-12")  # after the week: last week's figure stays

    cell = team("one_touch_rate")[None]

    # Solved: one, two, none, later = 4; exactly one staff reply: one, later = 2 -> 50 %.
    assert (cell.numerator, cell.denominator, cell.value) == (2, 4, 50.0)


def test_reopen_rate_counts_reopens_after_the_solve_in_the_period(history):
    kept = history.ticket("03-01")
    history.status(kept, "03-02", "new", "solved")
    back = history.ticket("03-01")
    history.status(back, "03-03", "new", "solved")
    history.status(back, "03-12", "solved", "open")
    # Reopened in the week, but that reopen followed a solve before the week.
    earlier = history.ticket("02-20")
    history.status(earlier, "02-25", "new", "solved")
    history.status(earlier, "03-03", "solved", "open")
    history.status(earlier, "03-04", "open", "solved")

    cell = team("reopen_rate")[None]

    # Solved in the week: kept, back, earlier = 3; reopened after: back = 1 -> 33.33 %.
    assert (cell.numerator, cell.denominator, cell.value) == (1, 3, 33.33)


def test_backlog_counts_unsolved_at_the_end_by_age(history):
    history.ticket("03-08 12:00")  # new, 0.5 day
    pending = history.ticket("03-07")  # 2 days
    history.status(pending, "03-07 01:00", "new", "pending")
    gone = history.ticket("03-04")
    history.status(gone, "03-05", "new", "solved")
    history.ticket("03-01")  # 8 days
    history.ticket("01-01")  # 67 days
    history.ticket("03-10")  # after the end
    back = history.ticket("03-05")  # reopened, 4 days
    history.status(back, "03-06", "new", "solved")
    history.status(back, "03-07", "solved", "open")
    late = history.ticket("02-01")  # solved only after the end: in the backlog, 36 days
    history.status(late, "03-10", "new", "solved")

    cell = team("backlog")[None]
    ages = team("backlog", "age")

    # 6 unsolved at 03-09 00:00: <1d 1, 1-3d 1, 3-7d 1, 7-30d 1, >30d 2.
    expected = {"<1d": 1, "1-3d": 1, "3-7d": 1, "7-30d": 1, ">30d": 2}
    assert cell.value == 6
    assert cell.details["ages"] == expected
    assert {label: age.value for label, age in ages.items()} == expected


def test_volume_by_channel_and_hour_of_the_week_in_the_zone(history):
    history.ticket("03-02 00:30", channel="email")  # Mon 09:30 in Tokyo -> hour 9
    history.ticket("03-08 15:10", channel="email")  # Mon 00:10 next day in Tokyo -> hour 0
    history.ticket("03-04 03:00", channel="chat")  # Wed 12:00 in Tokyo -> 2 x 24 + 12 = 60
    history.ticket("03-09 01:00", channel="chat")  # after the period

    tokyo = Scope(zone=ZoneInfo("Asia/Tokyo"))
    channels = team("volume", "channel", scope=tokyo)
    hours = team("volume", "hour_of_week", scope=tokyo)

    assert {k: c.value for k, c in channels.items()} == {"email": 2, "chat": 1}
    assert {k: c.value for k, c in hours.items()} == {9: 1, 0: 1, 60: 1}
    assert team("volume")[None].value == 3


def test_weeks_start_on_monday_in_the_time_zone(history):
    from tierdesk.measures.selectors import kpi_query, kpi_report

    # Sunday 1 March 20:00 UTC is Monday 2 March 05:00 in Tokyo: the week of 2 March there.
    history.ticket("03-01 20:00")
    history.ticket("03-01 10:00")  # Sunday 19:00 in Tokyo: the week of 23 February

    query = kpi_query(
        metric="volume", start="2026-02-23", end="2026-03-08", group_by="week", tz="Asia/Tokyo"
    )
    rows = kpi_report(query)["rows"]

    assert [(row["key"], row["value"]) for row in rows] == [("2026-02-23", 1), ("2026-03-02", 1)]


def test_demo_targets_are_set_once(db):
    from tierdesk.measures.demo import DEMO_TARGETS, seed_measures_demo
    from tierdesk.measures.models import KpiTarget

    assert seed_measures_demo() == len(DEMO_TARGETS)
    assert seed_measures_demo() == 0
    assert KpiTarget.objects.count() == len(DEMO_TARGETS)


@pytest.mark.parametrize(
    ("metric", "per_window"),
    [
        ("weekly_resolution_rate", 2),
        ("escalation_rate_engineering", 2),
        ("first_response_time", 2),
        ("one_touch_rate", 2),
        ("backlog", 1),
        ("volume", 1),
    ],
)
def test_queries_do_not_grow_with_tickets(
    history, django_assert_max_num_queries, metric, per_window
):
    from tierdesk.measures.selectors import kpi_query, kpi_report

    for day in range(2, 29):
        ticket = history.ticket(f"02-{day:02d}")
        history.reply(ticket, f"02-{day:02d} 01:00")
        history.status(ticket, f"02-{day:02d} 02:00", "new", "solved", actor=history.staff)
    query = kpi_query(metric=metric, start="2026-01-05", end="2026-03-29", group_by="week")

    # 12 weeks: the computation's queries per week, plus the targets.
    with django_assert_max_num_queries(12 * per_window + 1):
        rows = kpi_report(query)["rows"]

    assert len(rows) == 12


def test_filters_narrow_to_the_tickets_group_channel_and_organization_region(history, oscar, agent):
    from tierdesk.measures.tests.conftest import History

    # Alice's organization is in the Americas, Oscar's in Japan.
    history.ticket("03-03", channel="email")
    history.ticket("03-03", channel="chat")
    History(oscar, agent).ticket("03-04", channel="email")

    def created(**filters):
        return team("volume", scope=Scope(zone=UTC, **filters))[None].value

    assert created() == 3
    assert created(region="japan") == 1
    assert created(region="americas", channel="email") == 1
    assert created(region="emea") == 0


def test_backlog_of_a_period_ending_in_the_future_ages_tickets_as_they_are_now(history):
    import time_machine

    with time_machine.travel(at("03-08 12:00"), tick=False):
        history.ticket("03-07 13:30")  # 22.5 hours old now; 1.4 days at the period's end

        ages = team("backlog", "age")

    assert ages["<1d"].value == 1
    assert ages["1-3d"].value == 0


def test_a_group_change_by_a_routing_rule_keeps_past_weeks_in_the_old_group(history):
    first, second = (
        SkillGroup.objects.create(name="First"),
        SkillGroup.objects.create(name="Second"),
    )
    ticket = history.ticket("03-03", group=first)
    history.move(ticket, "03-12", "group", first.pk, second.pk, kind=EventKind.ROUTED)

    by_group = team("volume", "group")

    assert {key: cell.value for key, cell in by_group.items()} == {first.pk: 1}


def test_a_ticket_handled_in_two_tiers_counts_as_handled_in_each(history, agent):
    # t: handled and escalated at tier 1, then handled at tier 2 after the move; u: handled at
    # tier 1. Tier 1: escalated 1 (t) / handled 2 (t, u) = 50 %; tier 2: 0 / 1.
    t = history.ticket("02-20", tier=1)
    history.reply(t, "03-02 10:00", actor=agent)
    history.escalate(t, "03-02 11:00", 2)
    history.move(t, "03-03 09:00", "tier", 1, 2)
    history.reply(t, "03-03 10:00", actor=agent)
    u = history.ticket("02-20", tier=1)
    history.reply(u, "03-04 10:00", actor=agent)

    by_tier = team("escalation_rate", "tier")

    assert (by_tier[1].numerator, by_tier[1].denominator) == (1, 2)
    assert (by_tier[2].numerator, by_tier[2].denominator) == (0, 1)
    assert team("escalation_rate")[None].denominator == 2


def test_a_ticket_moved_into_a_group_while_open_counts_as_open_there(history, agent):
    # Open in First since before the week, moved to Second on Wednesday, solved there Friday:
    # First 0 solved / 1 open; Second 1 / 1 (the move in counts as open); the team 1 / 1.
    first, second = (
        SkillGroup.objects.create(name="First"),
        SkillGroup.objects.create(name="Second"),
    )
    ticket = history.ticket("02-27", group=first)
    history.move(ticket, "03-04", "group", first.pk, second.pk)
    history.status(ticket, "03-06", "open", "solved", actor=agent)

    by_group = team("weekly_resolution_rate", "group")

    assert (by_group[first.pk].numerator, by_group[first.pk].denominator) == (0, 1)
    assert (by_group[second.pk].numerator, by_group[second.pk].denominator) == (1, 1)
    assert team("weekly_resolution_rate")[None].value == 100.0
    only_second = team("weekly_resolution_rate", scope=Scope(zone=UTC, group=second.pk))
    assert only_second[None].value == 100.0


def test_an_escalation_written_with_its_tier_change_counts_under_the_tier_it_left(history, agent):
    ticket = history.ticket("02-20", tier=1)
    history.escalate(ticket, "03-03 11:00", 2)
    history.move(ticket, "03-03 11:00", "tier", 1, 2)

    by_tier = team("escalation_rate", "tier")

    assert {tier: (c.numerator, c.denominator) for tier, c in by_tier.items()} == {1: (1, 1)}
