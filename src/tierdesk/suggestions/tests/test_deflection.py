import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from conftest import PASSWORD, make_person
from tierdesk.accounts.choices import Role
from tierdesk.core.errors import ValidationFailed
from tierdesk.suggestions.deflection import (
    deflection_query,
    deflection_totals,
    deflection_weeks,
    top_deflecting_articles,
)
from tierdesk.suggestions.services import (
    draft_deflected,
    draft_submitted,
    draft_touch,
    drafts_close_quiet,
    suggestion_opened,
    suggestions_shown,
)
from tierdesk.tickets import services as ticket_services

from .conftest import make_article

pytestmark = pytest.mark.django_db

WEEK1 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday
WEEK2 = WEEK1 + timedelta(days=7)


@pytest.fixture
def figures(alice):
    """Week 1: four drafts shown suggestions: one said an article answered it, one left after
    reading, one submitted, one abandoned without a click; plus one never shown anything.
    Week 2: two shown, one deflected by saying so."""
    reset = make_article("How do I reset my password?")
    export = make_article("Scheduled export stops at 99%")

    def draft(at, *, show=(), open_=(), answered=None, submit=False):
        with time_machine.travel(at, tick=False):
            d = draft_touch(person=alice, draft_id=uuid.uuid4())
            suggestions_shown(draft=d, article_ids=[a.pk for a in show])
            for a in open_:
                suggestion_opened(person=alice, draft_id=d.pk, article=a)
            if answered:
                draft_deflected(person=alice, draft_id=d.pk, article=answered)
            if submit:
                ticket = ticket_services.ticket_open(actor=alice, subject="x", body="y")
                draft_submitted(person=alice, draft_id=d.pk, ticket=ticket)
        return d

    draft(WEEK1, show=[reset, export], open_=[reset], answered=reset)
    draft(WEEK1, show=[reset], open_=[reset])
    draft(WEEK1, show=[export], open_=[export], submit=True)
    draft(WEEK1, show=[export])
    draft(WEEK1, submit=True)
    draft(WEEK2, show=[export], open_=[export], answered=export)
    draft(WEEK2, show=[reset])
    with time_machine.travel(WEEK2 + timedelta(days=1), tick=False):
        drafts_close_quiet()
    return reset, export


def test_weekly_figures_on_a_hand_built_set(figures):
    question = deflection_query(start="2025-03-03", end="2025-03-16")

    week1, week2 = deflection_weeks(question)

    assert week1.week == date(2025, 3, 3)
    assert (week1.drafts, week1.shown, week1.deflected, week1.deflected_explicitly) == (5, 4, 2, 1)
    assert (week1.submitted, week1.abandoned) == (2, 1)
    assert (week1.impressions, week1.clicks, week1.helpful) == (5, 3, 1)
    assert week1.deflection_rate == 50.0
    assert week1.click_through_rate == 60.0
    assert (week2.shown, week2.deflected, week2.abandoned) == (2, 1, 1)
    assert week2.deflection_rate == 50.0
    totals = deflection_totals([week1, week2])
    assert (totals.shown, totals.deflected) == (6, 3)
    assert totals.deflection_rate == 50.0


def test_drafts_still_open_are_left_out_of_the_current_weeks_rate(alice):
    """This week: four drafts shown suggestions: one said an article answered it, one became a
    request, and two are still open (one opened an article minutes ago, the hour has not
    passed): they may still be deflected, so the rate is 1 of the 2 decided, not 1 of 4."""
    reset = make_article("How do I reset my password?")
    now = WEEK2 + timedelta(days=2)

    with time_machine.travel(now, tick=False):
        answered, submitted, waiting, reading = (
            draft_touch(person=alice, draft_id=uuid.uuid4()) for _ in range(4)
        )
        for d in (answered, submitted, waiting, reading):
            suggestions_shown(draft=d, article_ids=[reset.pk])
        draft_touch(person=alice, draft_id=uuid.uuid4())  # never shown anything, still open
        draft_deflected(person=alice, draft_id=answered.pk, article=reset)
        ticket = ticket_services.ticket_open(actor=alice, subject="x", body="y")
        draft_submitted(person=alice, draft_id=submitted.pk, ticket=ticket)
        suggestion_opened(person=alice, draft_id=reading.pk, article=reset)
        drafts_close_quiet()  # nothing is an hour quiet yet

        (week,) = deflection_weeks(deflection_query(start=WEEK2.date(), end=now.date()))

    assert (week.drafts, week.shown, week.deflected, week.submitted) == (5, 4, 1, 1)
    assert week.still_open == 2
    assert week.deflection_rate == 50.0
    assert deflection_totals([week]).deflection_rate == 50.0
    assert week.as_dict()["still_open"] == 2


def test_a_week_whose_drafts_are_all_still_open_has_no_rate_yet(alice):
    reset = make_article("How do I reset my password?")
    with time_machine.travel(WEEK1, tick=False):
        d = draft_touch(person=alice, draft_id=uuid.uuid4())
        suggestions_shown(draft=d, article_ids=[reset.pk])
        (week,) = deflection_weeks(deflection_query(start=WEEK1.date(), end=WEEK1.date()))

    assert (week.shown, week.still_open, week.deflection_rate) == (1, 1, None)


def test_top_articles_count_deflected_drafts_that_opened_them(figures):
    reset, export = figures
    question = deflection_query(start="2025-03-03", end="2025-03-16")

    top = top_deflecting_articles(question)

    assert [(row.article_id, row.deflections, row.helpful) for row in top] == [
        (reset.pk, 2, 1),
        (export.pk, 1, 1),
    ]


def test_a_week_with_no_suggestion_has_no_rate(db):
    (week,) = deflection_weeks(deflection_query(start="2025-03-03", end="2025-03-09"))

    assert week.deflection_rate is None
    assert week.click_through_rate is None


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("yesterday", None, "from"),
        ("2025-03-10", "2025-03-01", "to"),
        ("2024-01-01", "2025-06-01", "from"),
    ],
)
def test_a_refused_period_names_its_field(start, end, field):
    with pytest.raises(ValidationFailed) as refused:
        deflection_query(start=start, end=end)
    assert field in refused.value.errors


def test_the_page_and_csv_show_the_figures(figures, client):
    manager = make_person("manager", role=Role.MANAGER)
    client.login(username=manager.username, password=PASSWORD)

    page = client.get(reverse("suggestions:deflection"), {"from": "2025-03-03", "to": "2025-03-16"})
    csv = client.get(
        reverse("suggestions:deflection_csv"), {"from": "2025-03-03", "to": "2025-03-16"}
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-week="2025-03-03"' in html
    assert '<dd data-figure="deflection_rate">50.0%</dd>' in html
    assert '<dd data-figure="still_open">0</dd>' in html
    assert "How do I reset my password?" in html
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("week,drafts,shown,deflected")
    assert lines[1] == "2025-03-03,5,4,2,1,2,1,0,5,3,1,50.0,60.0"


def test_customers_are_sent_away_from_the_page(alice, client):
    client.login(username=alice.username, password=PASSWORD)

    assert client.get(reverse("suggestions:deflection")).status_code == 302


def test_the_api_gives_weekly_figures_to_staff_only(figures, client, alice):
    manager = make_person("manager", role=Role.MANAGER)
    client.login(username=manager.username, password=PASSWORD)

    answer = client.get("/api/v1/deflection", {"from": "2025-03-03", "to": "2025-03-16"})
    refused = client.get("/api/v1/deflection", {"from": "nope"})

    assert answer.status_code == 200
    body = answer.json()
    assert body["from"] == "2025-03-03"
    assert [w["deflection_rate"] for w in body["weeks"]] == [50.0, 50.0]
    assert body["totals"]["deflected"] == 3
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "from"

    client.logout()
    client.login(username=alice.username, password=PASSWORD)
    assert client.get("/api/v1/deflection").status_code == 403
