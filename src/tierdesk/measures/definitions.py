"""The catalog of team KPIs: name, label, unit and the exact formula each is computed by."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PERCENT = "percent"
SECONDS = "seconds"
TICKETS = "tickets"
SCORE = "score"


@dataclass(frozen=True)
class Kpi:
    """One KPI: `group_by` lists the keys its rows may be split by besides the period."""

    name: str
    label: Promise
    unit: str
    formula: Promise
    group_by: tuple[str, ...] = ("week", "group", "channel", "tier")


# Shared words of the formulas, said once.
_OPEN = _(
    "A ticket is open at some time in a period when it was created before the period ends and "
    "either its status at the period's start (the last status change before it; 'new' when "
    "there is none) was not solved or closed, or a status change in the period moved it back to "
    "new, open, pending or on hold (a reopen)."
)
_HANDLED = _(
    "Handled = tickets with, in the period, a public reply by staff, a status change by staff, "
    "or an escalation."
)
_SOLVED = _("Solved = a status change to solved in the period (from the ticket's events).")
_FILTERS = _(
    "Each event counts under the group and tier in force when it happened (read from the "
    "ticket's change events), so moving a ticket never rewrites past weeks; channel and region "
    "are the ticket's own (region of its organization)."
)
# xgettext:no-python-format
_ROLLUPS = _(
    "The figures are read from daily rollups the worker keeps (per day in each rollup time "
    "zone, for the team and per group, channel, tier and region) and from the raw events for "
    "today and for questions the rollups do not hold. Counts, rates and means are exact either "
    "way; percentiles read from the rollups are within 2.2% for the team and 4.4% per group, "
    "channel, tier or region (durations kept in buckets 2^(1/16) and 2^(1/8) wide). An "
    "engineer's own figures are read from the events of the tickets they worked on."
)

KPIS: dict[str, Kpi] = {
    kpi.name: kpi
    for kpi in [
        Kpi(
            "weekly_resolution_rate",
            _("Resolution rate"),
            PERCENT,
            _(
                "Tickets solved in the period / tickets open at some time in the period x 100, "
                "per week with group_by=week."
            ),
        ),
        Kpi(
            "escalation_rate",
            _("Escalation rate to tier 2"),
            PERCENT,
            _(
                "Tickets escalated from tier 1 in the period (to tier 2, or straight to "
                "engineering; withdrawn escalations do not count) / tickets handled in the "
                "period x 100."
            ),
        ),
        Kpi(
            "escalation_rate_engineering",
            _("Escalation rate to engineering"),
            PERCENT,
            _(
                "Tickets escalated to tier 3 (engineering) in the period (withdrawn escalations "
                "do not count) / tickets handled in the period x 100."
            ),
        ),
        Kpi(
            "first_response_time",
            _("First response time"),
            SECONDS,
            _(
                "Median (value) and 90th percentile of first response - created, calendar time, "
                "of tickets first answered in the period; business time: the same of the stopped "
                "first response SLA clocks (elapsed business seconds) stopped in the period."
            ),
        ),
        Kpi(
            "resolution_time",
            _("Full resolution time"),
            SECONDS,
            _(
                "Median (value) and 90th percentile of last solve in the period - created, "
                "calendar time, of tickets solved in the period; business time: the same of the "
                "stopped resolution SLA clocks stopped in the period."
            ),
        ),
        Kpi(
            "mttr",
            _("Mean time to resolve"),
            SECONDS,
            _(
                "Mean of last solve in the period - created, calendar time, of tickets solved "
                "in the period."
            ),
        ),
        Kpi(
            "time_to_close",
            _("Time to close"),
            SECONDS,
            _(
                "Median (value) and 90th percentile of closed - created, calendar time, of "
                "tickets closed in the period."
            ),
        ),
        Kpi(
            "one_touch_rate",
            _("One-touch resolution rate"),
            PERCENT,
            _(
                "Tickets solved in the period whose last solve in it came after exactly one "
                "touch by staff (a public reply; all the lines of a chat conversation are one "
                "touch) / tickets solved in the period x 100."
            ),
        ),
        Kpi(
            "reopen_rate",
            _("Reopen rate"),
            PERCENT,
            _(
                "Tickets solved in the period that were reopened (a status change from solved "
                "back to an unsolved status) after their first solve in the period, at any time "
                "since / tickets solved in the period x 100."
            ),
        ),
        Kpi(
            "backlog",
            _("Backlog"),
            TICKETS,
            _(
                "Tickets unsolved at the period's end: created before it and whose status then "
                "(the last status change before it; 'new' when none) was new, open, pending or "
                "on hold. Ages (end - created): under 1 day, 1-3, 3-7, 7-30, over 30 days."
            ),
            ("week", "group", "channel", "tier", "age"),
        ),
        Kpi(
            "csat",
            _("CSAT"),
            PERCENT,
            _("Survey answers of 4 or 5 / all CSAT answers in the period x 100."),
            ("week", "group", "channel"),
        ),
        Kpi(
            "nps",
            _("NPS"),
            SCORE,
            # xgettext:no-python-format
            _("% of NPS answers 9-10 (promoters) - % of answers 0-6 (detractors) in the period."),
            ("week", "group", "channel"),
        ),
        Kpi(
            "ces",
            _("CES"),
            SCORE,
            _("Mean of the CES answers (1-7) in the period."),
            ("week", "group", "channel"),
        ),
        Kpi(
            "sla_attainment",
            _("SLA attainment"),
            PERCENT,
            _(
                "Per SLA target (metric): clocks that met their target / clocks decided in the "
                "period x 100, as the SLA attainment report counts them; met = the SLA goal "
                "unless a KPI target is set."
            ),
            ("week", "group", "channel"),
        ),
        Kpi(
            "volume",
            _("Volume"),
            TICKETS,
            _(
                "Tickets created in the period, by channel, type, product area, group, tier, "
                "week or hour of the week (0 = Monday 00:00-01:00 in the time zone)."
            ),
            ("week", "group", "channel", "tier", "type", "product_area", "hour_of_week"),
        ),
    ]
}

SURVEY_KPIS = ("csat", "nps", "ces")
NOTES = (_OPEN, _SOLVED, _HANDLED, _FILTERS, _ROLLUPS)
