"""Writing the SLA setup: calendars, their dates, policies and targets; who may, what is refused
(each refusal naming its field), the order, and the clocks following the new setup."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tierdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from tierdesk.sla import pending, setup, setup_selectors
from tierdesk.sla.book import business_hours_of, current_book
from tierdesk.sla.models import BusinessCalendar, SlaPolicy, SlaSetupVersion, SlaStale, SlaTarget
from tierdesk.sla.services import clocks_refresh

pytestmark = pytest.mark.django_db

NINE_TO_SIX = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
FIRST_RESPONSE = {"metric": "first_response", "seconds": 3600}


def refused(excinfo) -> set[str]:
    return set(excinfo.value.errors)


def make_calendar(actor, name="Osaka", **fields):
    values = {"time_zone": "Asia/Tokyo", "hours": NINE_TO_SIX, **fields}
    return setup.calendar_create(actor=actor, name=name, **values)


def make_policy(actor, name="Gold", **fields):
    return setup.policy_create(actor=actor, name=name, **{"targets": [FIRST_RESPONSE], **fields})


def names_in_order() -> list[str]:
    return list(SlaPolicy.objects.order_by("position", "id").values_list("name", flat=True))


# --- calendars ----------------------------------------------------------------------------------


def test_an_admin_adds_a_calendar_and_the_default_moves_to_it(admin_user):
    old_default = BusinessCalendar.objects.get(is_default=True)

    calendar = setup.calendar_create(
        actor=admin_user,
        name="  Osaka   office ",
        time_zone="Asia/Tokyo",
        hours={"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "sat": []},
        holiday_country="jp",
        is_default=True,
    )

    assert calendar.name == "Osaka office"
    assert calendar.hours == {"mon": [["09:00", "12:00"], ["13:00", "18:00"]]}
    assert calendar.holiday_country == "JP"
    assert BusinessCalendar.objects.get(is_default=True) == calendar
    old_default.refresh_from_db()
    assert old_default.is_default is False


def test_every_refused_calendar_field_is_named(admin_user):
    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_create(
            actor=admin_user,
            name="Tokyo",  # taken by the default calendars
            time_zone="Mars/Olympus_Mons",
            hours={"mon": [["09:00", "25:00"]], "funday": []},
            holiday_country="XX",
            regions=["japan", "atlantis"],
            around_the_clock="yes",
        )

    errors = excinfo.value.errors
    assert set(errors) == {
        "name",
        "time_zone",
        "hours",
        "holiday_country",
        "regions",
        "around_the_clock",
    }
    assert "funday" in errors["hours"][0] and "25:00" in errors["hours"][0]
    assert "Tokyo" in errors["regions"][0]  # japan is served by the Tokyo calendar already
    assert "atlantis" in errors["regions"][0]
    assert not BusinessCalendar.objects.filter(time_zone="Mars/Olympus_Mons").exists()


def test_a_holiday_subdivision_must_belong_to_the_country(admin_user):
    calendar = make_calendar(
        admin_user, time_zone="America/New_York", holiday_country="US", holiday_subdivision="ny"
    )
    assert calendar.holiday_subdivision == "NY"

    with pytest.raises(ValidationFailed) as excinfo:
        make_calendar(admin_user, name="Other", holiday_country="US", holiday_subdivision="ZZ")
    assert refused(excinfo) == {"holiday_subdivision"}
    with pytest.raises(ValidationFailed) as excinfo:
        make_calendar(admin_user, name="Third", holiday_subdivision="NY")
    assert refused(excinfo) == {"holiday_subdivision"}


def test_a_calendar_that_is_never_open_is_refused_unless_around_the_clock(admin_user):
    with pytest.raises(ValidationFailed) as excinfo:
        make_calendar(admin_user, hours={})
    assert refused(excinfo) == {"hours"}

    calendar = make_calendar(admin_user, hours={}, around_the_clock=True)
    assert business_hours_of(calendar).is_open(datetime(2025, 1, 5, 3, tzinfo=UTC))


def test_update_refuses_unknown_fields_and_a_region_another_calendar_serves(admin_user):
    calendar = make_calendar(admin_user)

    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_update(
            actor=admin_user, calendar=calendar, changes={"regions": ["americas"], "colour": "red"}
        )
    assert refused(excinfo) == {"regions", "colour"}
    assert "New York" in excinfo.value.errors["regions"][0]

    updated = setup.calendar_update(
        actor=admin_user, calendar=calendar, changes={"hours": {"sun": [["22:00", "06:00"]]}}
    )
    assert updated.hours == {"sun": [["22:00", "06:00"]]}


def test_the_default_calendar_stays_until_another_takes_over(admin_user):
    default = BusinessCalendar.objects.get(is_default=True)

    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_update(actor=admin_user, calendar=default, changes={"is_default": False})
    assert refused(excinfo) == {"is_default"}
    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_delete(actor=admin_user, calendar=default)
    assert refused(excinfo) == {"is_default"}

    other = BusinessCalendar.objects.get(name="London")
    setup.calendar_update(actor=admin_user, calendar=other, changes={"is_default": True})
    setup.calendar_delete(actor=admin_user, calendar=default)
    assert not BusinessCalendar.objects.filter(pk=default.pk).exists()


def test_a_calendar_a_policy_uses_is_not_deleted_and_the_policies_are_named(admin_user):
    calendar = make_calendar(admin_user)
    make_policy(admin_user, "Gold", calendar=calendar)
    make_policy(admin_user, "Silver", calendar=calendar.pk)

    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_delete(actor=admin_user, calendar=calendar)

    assert refused(excinfo) == {"calendar"}
    assert "Gold, Silver" in excinfo.value.errors["calendar"][0]
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_dates_close_a_day_or_give_it_hours_and_the_arithmetic_follows(admin_user):
    calendar = make_calendar(admin_user, time_zone="UTC")
    friday = datetime(2025, 3, 7, 10, tzinfo=UTC)
    assert business_hours_of(calendar).is_open(friday)

    entry, created = setup.calendar_date_set(
        actor=admin_user, calendar=calendar, date="2025-03-07", name=" Stocktaking "
    )
    assert (created, entry.name, entry.hours) == (True, "Stocktaking", [])
    calendar.refresh_from_db()
    assert not business_hours_of(calendar).is_open(friday)

    entry, created = setup.calendar_date_set(
        actor=admin_user, calendar=calendar, date=date(2025, 3, 7), hours=[["09:30", "11:00"]]
    )
    assert (created, entry.hours) == (False, [["09:30", "11:00"]])
    calendar.refresh_from_db()
    assert business_hours_of(calendar).is_open(friday)
    assert not business_hours_of(calendar).is_open(datetime(2025, 3, 7, 12, tzinfo=UTC))

    setup.calendar_date_remove(actor=admin_user, calendar=calendar, date="2025-03-07")
    assert not calendar.dates.exists()
    with pytest.raises(NotFound):
        setup.calendar_date_remove(actor=admin_user, calendar=calendar, date="2025-03-07")


def test_refused_dates_name_the_field(admin_user):
    calendar = make_calendar(admin_user)

    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_date_set(
            actor=admin_user, calendar=calendar, date="07/03/2025", name="x" * 121
        )
    assert refused(excinfo) == {"date", "name"}
    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_date_set(
            actor=admin_user, calendar=calendar, date="2025-03-07", hours=[["11:00", "11:00"]]
        )
    assert refused(excinfo) == {"hours"}
    assert "fri" in excinfo.value.errors["hours"][0]  # the weekday the date falls on
    with pytest.raises(ValidationFailed) as excinfo:
        setup.calendar_date_set(
            actor=admin_user, calendar=calendar, date="2025-03-07", hours="closed"
        )
    assert refused(excinfo) == {"hours"}


def test_coming_holidays_join_the_countrys_and_the_calendars_own(admin_user):
    calendar = make_calendar(admin_user, holiday_country="JP")
    setup.calendar_date_set(actor=admin_user, calendar=calendar, date="2025-01-01", name="Ours")
    setup.calendar_date_set(actor=admin_user, calendar=calendar, date="2025-12-29")

    found = setup_selectors.upcoming_holidays(calendar, today=date(2025, 1, 1))

    assert found[0].date == date(2025, 1, 1) and found[0].source == "custom"
    assert found[0].name == "Ours"
    assert any(h.source == "public" and h.date == date(2025, 1, 13) for h in found)
    assert date(2025, 12, 29) in [h.date for h in found]
    assert all(date(2025, 1, 1) <= h.date < date(2026, 1, 1) for h in found)


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "manager", "reviewer", "alice"])
def test_only_administrators_change_the_setup(request, who, admin_user):
    actor = request.getfixturevalue(who)
    calendar = make_calendar(admin_user)
    policy = make_policy(admin_user)

    with pytest.raises(PermissionDenied):
        make_calendar(actor, name="Mine")
    with pytest.raises(PermissionDenied):
        setup.calendar_update(actor=actor, calendar=calendar, changes={"name": "x"})
    with pytest.raises(PermissionDenied):
        setup.calendar_date_set(actor=actor, calendar=calendar, date="2025-01-02")
    with pytest.raises(PermissionDenied):
        setup.calendar_delete(actor=actor, calendar=calendar)
    with pytest.raises(PermissionDenied):
        make_policy(actor, "Mine")
    with pytest.raises(PermissionDenied):
        setup.policy_update(actor=actor, policy=policy, changes={"active": False})
    with pytest.raises(PermissionDenied):
        setup.policy_move(actor=actor, policy=policy, offset=-1)
    with pytest.raises(PermissionDenied):
        setup.policy_delete(actor=actor, policy=policy)


def test_managers_read_the_setup_and_agents_and_customers_do_not(manager, agent, alice):
    assert [p.place for p in setup_selectors.policies(manager)][:2] == [1, 2]
    assert setup_selectors.calendars(manager)
    for outsider in (agent, alice):
        with pytest.raises(PermissionDenied):
            setup_selectors.policies(outsider)
        with pytest.raises(PermissionDenied):
            setup_selectors.calendars(outsider)


# --- policies -----------------------------------------------------------------------------------


def test_an_admin_adds_a_policy_at_the_end_or_at_a_place(admin_user, acme):
    count = SlaPolicy.objects.count()

    last = setup.policy_create(
        actor=admin_user,
        name="Acme VIP",
        plans=["enterprise", "enterprise"],
        channels=["email"],
        priorities=["high", "urgent"],
        organizations=[acme.pk],
        tags=["VIP ", "Key Account"],
        targets=[
            {"metric": "first_response", "seconds": 1800, "warn_before_seconds": 600},
            {"metric": "resolution", "seconds": 86400, "business_hours": False, "goal_percent": 95},
        ],
    )
    first = make_policy(admin_user, "Outage", tags=["outage"], position=1)

    last.refresh_from_db()
    assert last.position == count + 2 and first.position == 1
    assert names_in_order()[0] == "Outage" and names_in_order()[-1] == "Acme VIP"
    assert last.plans == ["enterprise"]
    assert last.tags == ["vip", "key_account"]
    assert list(last.organizations.all()) == [acme]
    target = last.targets.get(metric="resolution")
    assert (target.seconds, target.business_hours, target.goal_percent) == (86400, False, 95)
    assert last.targets.get(metric="first_response").warn_before_seconds == 600


def test_every_refused_policy_field_is_named(admin_user):
    make_policy(admin_user, "Taken")

    with pytest.raises(ValidationFailed) as excinfo:
        setup.policy_create(
            actor=admin_user,
            name="Taken",
            plans=["platinum"],
            channels=["fax"],
            priorities="urgent",
            organizations=[999_999],
            tags=["no spaces!"],
            calendar=999_999,
            active="yes",
            position=99,
            targets=[
                {"metric": "first_response", "seconds": 600, "warn_before_seconds": 600},
                {"metric": "first_response", "seconds": 0, "goal_percent": 101},
                {"metric": "teleport", "seconds": 90 * 86400 + 1, "breach_priority": "asap"},
                {"metric": "resolution", "seconds": 60, "colour": "red", "notify": "sure"},
                "quick",
            ],
        )

    assert refused(excinfo) == {
        "name",
        "plans",
        "channels",
        "priorities",
        "organizations",
        "tags",
        "calendar",
        "active",
        "position",
        "targets.0.warn_before_seconds",
        "targets.1.metric",
        "targets.1.seconds",
        "targets.1.goal_percent",
        "targets.2.metric",
        "targets.2.seconds",
        "targets.2.breach_priority",
        "targets.3.colour",
        "targets.3.notify",
        "targets.4",
    }
    assert SlaPolicy.objects.filter(name="Taken").count() == 1


def test_a_target_needs_a_metric_and_seconds(admin_user):
    with pytest.raises(ValidationFailed) as excinfo:
        make_policy(admin_user, targets=[{}])
    assert refused(excinfo) == {"targets.0.metric", "targets.0.seconds"}


def test_update_replaces_targets_keeping_the_row_of_a_metric_that_stays(admin_user):
    policy = make_policy(
        admin_user, targets=[FIRST_RESPONSE, {"metric": "resolution", "seconds": 7200}]
    )
    kept = policy.targets.get(metric="first_response").pk

    setup.policy_update(
        actor=admin_user,
        policy=policy,
        changes={
            "targets": [{"metric": "first_response", "seconds": 900, "breach_priority": "urgent"}],
            "channels": ["chat"],
        },
    )

    [target] = SlaTarget.objects.filter(policy=policy)
    assert (target.pk, target.seconds, target.breach_priority) == (kept, 900, "urgent")
    policy.refresh_from_db()
    assert policy.channels == ["chat"]
    with pytest.raises(ValidationFailed) as excinfo:
        setup.policy_update(
            actor=admin_user, policy=policy, changes={"position": 1, "pause_on_hold": "no"}
        )
    assert refused(excinfo) == {"position", "pause_on_hold"}


def test_move_reorder_and_delete_keep_the_order_whole(admin_user):
    SlaPolicy.objects.all().delete()
    a, b, c = (make_policy(admin_user, name) for name in "abc")

    setup.policy_move(actor=admin_user, policy=c, offset=-1)
    assert names_in_order() == ["a", "c", "b"]
    setup.policy_move(actor=admin_user, policy=a, offset=-1)
    assert names_in_order() == ["a", "c", "b"]
    setup.policy_move(actor=admin_user, policy=b, position=1)
    assert names_in_order() == ["b", "a", "c"]
    with pytest.raises(ValidationFailed) as excinfo:
        setup.policy_move(actor=admin_user, policy=b, position=4)
    assert refused(excinfo) == {"position"}

    with pytest.raises(ValidationFailed) as excinfo:
        setup.policy_reorder(actor=admin_user, policy_ids=[c.pk, a.pk])
    assert refused(excinfo) == {"ids"}
    setup.policy_reorder(actor=admin_user, policy_ids=[c.pk, a.pk, b.pk])
    assert names_in_order() == ["c", "a", "b"]

    setup.policy_delete(actor=admin_user, policy=a)
    assert list(SlaPolicy.objects.order_by("position").values_list("name", "position")) == [
        ("c", 1),
        ("b", 2),
    ]


# --- the clocks follow --------------------------------------------------------------------------


def test_every_write_renews_the_book_and_marks_unsolved_tickets(admin_user, monkeypatch):
    calls = []
    real = pending.mark_unsolved_stale
    monkeypatch.setattr(pending, "mark_unsolved_stale", lambda: calls.append(1) or real())
    current_book()
    tokens = [SlaSetupVersion.objects.get(pk=1).token]

    def write(action):
        action()
        tokens.append(SlaSetupVersion.objects.get(pk=1).token)

    calendar = make_calendar(admin_user)
    tokens.append(SlaSetupVersion.objects.get(pk=1).token)
    write(lambda: setup.calendar_update(actor=admin_user, calendar=calendar, changes={}))
    write(lambda: setup.calendar_date_set(actor=admin_user, calendar=calendar, date="2025-05-05"))
    write(
        lambda: setup.calendar_date_remove(actor=admin_user, calendar=calendar, date="2025-05-05")
    )
    policy = make_policy(admin_user)
    tokens.append(SlaSetupVersion.objects.get(pk=1).token)
    write(lambda: setup.policy_update(actor=admin_user, policy=policy, changes={"active": False}))
    write(lambda: setup.policy_move(actor=admin_user, policy=policy, position=1))
    write(lambda: setup.policy_delete(actor=admin_user, policy=policy))
    write(lambda: setup.calendar_delete(actor=admin_user, calendar=calendar))

    assert len(calls) == 9
    assert len(set(tokens)) == len(tokens)


def test_a_refused_write_changes_nothing(admin_user, monkeypatch):
    calls = []
    monkeypatch.setattr(pending, "mark_unsolved_stale", lambda: calls.append(1))
    current_book()
    token = SlaSetupVersion.objects.get(pk=1).token

    with pytest.raises(ValidationFailed):
        make_policy(admin_user, channels=["fax"])

    assert calls == []
    assert SlaSetupVersion.objects.get(pk=1).token == token


def test_a_ticket_is_measured_on_the_changed_target(admin_user, ticket):
    # Acme is an enterprise customer: "Premium and enterprise" promises a first response in 1 h.
    clocks_refresh([ticket.pk])
    clock = ticket.sla_clocks.get(metric="first_response")
    assert (clock.policy_name, clock.target_seconds) == ("Premium and enterprise", 3600)
    SlaStale.objects.all().delete()

    policy = SlaPolicy.objects.get(name="Premium and enterprise")
    targets = [
        {"metric": "first_response", "seconds": 2 * 3600, "business_hours": False},
        {"metric": "resolution", "seconds": 48 * 3600, "business_hours": False},
    ]
    setup.policy_update(actor=admin_user, policy=policy, changes={"targets": targets})

    assert SlaStale.objects.filter(ticket_id=ticket.pk).exists()
    clocks_refresh([ticket.pk])
    clock.refresh_from_db()
    assert clock.target_seconds == 2 * 3600
    assert (clock.due_at - clock.started_at).total_seconds() == 2 * 3600
    assert not ticket.sla_clocks.filter(metric="next_response").exists()


def test_a_new_policy_first_in_the_order_takes_over(admin_user, ticket):
    make_policy(
        admin_user,
        "Acme",
        organizations=[ticket.organization_id],
        targets=[{"metric": "first_response", "seconds": 600, "business_hours": False}],
        position=1,
    )

    clocks_refresh([ticket.pk])

    clock = ticket.sla_clocks.get(metric="first_response")
    assert (clock.policy_name, clock.target_seconds) == ("Acme", 600)
