"""The calendars and policies a new desk starts with: business hours of the regions the teams
serve, and the promises chat, phone and email are measured against."""

from django.db import migrations

WEEKDAYS_9_TO_18 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

CALENDARS = [
    # name, zone, holidays of, regions, default
    ("Tokyo", "Asia/Tokyo", "JP", ["japan"], False),
    ("Moscow", "Europe/Moscow", "RU", ["russia"], False),
    ("New York", "America/New_York", "US", ["americas"], True),
    ("London", "Europe/London", "GB", ["emea"], False),
    ("Singapore", "Asia/Singapore", "SG", ["apac"], False),
]

HOUR = 3600
# name, conditions, calendar (None: the customer's region), targets:
# (metric, seconds, business hours, warn before, breach priority, notify managers)
POLICIES = [
    (
        "Live chat",
        {"channels": ["chat"]},
        None,
        [("first_response", 30, False, 0, "", False), ("next_response", 120, False, 0, "", False)],
    ),
    ("Phone", {"channels": ["phone"]}, None, [("first_response", 20, False, 0, "", False)]),
    (
        "Premium and enterprise, urgent",
        {"plans": ["premium", "enterprise"], "priorities": ["urgent"]},
        None,
        [
            ("first_response", HOUR // 2, False, 10 * 60, "", True),
            ("next_response", HOUR, False, 15 * 60, "", True),
            ("periodic_update", 2 * HOUR, False, 30 * 60, "", False),
            ("resolution", 8 * HOUR, False, HOUR, "", True),
        ],
    ),
    (
        "Premium and enterprise",
        {"plans": ["premium", "enterprise"]},
        None,
        [
            ("first_response", HOUR, False, 15 * 60, "urgent", False),
            ("next_response", 4 * HOUR, False, 30 * 60, "", False),
            ("resolution", 48 * HOUR, False, 4 * HOUR, "", True),
        ],
    ),
    (
        "Urgent",
        {"priorities": ["urgent"]},
        None,
        [
            ("first_response", HOUR, True, 15 * 60, "", True),
            ("next_response", 2 * HOUR, True, 30 * 60, "", False),
            ("periodic_update", 4 * HOUR, True, HOUR, "", False),
            ("resolution", 9 * HOUR, True, 2 * HOUR, "", True),
        ],
    ),
    (
        "Email, portal and API",
        {},
        None,
        [
            ("first_response", HOUR, True, 15 * 60, "high", False),
            ("next_response", 4 * HOUR, True, 30 * 60, "", False),
            ("resolution", 27 * HOUR, True, 4 * HOUR, "", False),
        ],
    ),
]


def create_defaults(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    for name, zone, country, regions, default in CALENDARS:
        BusinessCalendar.objects.create(
            name=name,
            time_zone=zone,
            hours=WEEKDAYS_9_TO_18,
            holiday_country=country,
            regions=regions,
            is_default=default,
        )
    BusinessCalendar.objects.create(name="Around the clock", time_zone="UTC", around_the_clock=True)
    for position, (name, conditions, _calendar, targets) in enumerate(POLICIES, start=1):
        policy = SlaPolicy.objects.create(name=name, position=position * 10, **conditions)
        for metric, seconds, business, warn, priority, managers in targets:
            SlaTarget.objects.create(
                policy=policy,
                metric=metric,
                seconds=seconds,
                business_hours=business,
                goal_percent=90,
                warn_before_seconds=warn,
                notify=metric not in {"first_response", "next_response"}
                or policy.channels not in (["chat"], ["phone"]),
                breach_priority=priority,
                breach_notify_managers=managers,
            )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_calendars_policies_clocks")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
