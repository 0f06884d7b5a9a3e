"""Permission filtering: whatever a customer types, they never get an internal article, an
unvalidated public one, another organization's ticket or the words of an internal note."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.knowledge.services import article_create
from tierdesk.search.selectors import match_articles, match_solved_tickets, search
from tierdesk.tickets.services import ticket_add_note, ticket_open, ticket_update

pytestmark = pytest.mark.django_db

INTERNAL_TEXT = "Escalate quietly to the kraken cluster owners"
UNVALIDATED_TEXT = "Draft workaround rotate the flamingo keystore"
OTHER_ORG_TEXT = "Globex payroll export fails with ERR_GLOBEX_PAYROLL"
NOTE_TEXT = "Customer is on a pirated licence ZX_SECRET_NOTE"
FORBIDDEN = (INTERNAL_TEXT, UNVALIDATED_TEXT, OTHER_ORG_TEXT, NOTE_TEXT)


@pytest.fixture
def desk(alice, oscar, manager, agent, django_capture_on_commit_callbacks):
    """A public validated article, an internal one, an unvalidated public one, alice's ticket
    with a note, and oscar's (another organization's) ticket."""
    with django_capture_on_commit_callbacks(execute=True):
        public = article_create(
            actor=manager,
            title="Rotate keys",
            problem="Keys expire",
            resolution="Rotate the keystore yearly",
            visibility="public",
            state="validated",
        )
        internal = article_create(
            actor=manager,
            title="Kraken escalations",
            problem=INTERNAL_TEXT,
            resolution="Page the owners",
            visibility="internal",
            state="validated",
        )
        unvalidated = article_create(
            actor=manager,
            title="Flamingo keystore",
            problem=UNVALIDATED_TEXT,
            resolution="Rotate",
            visibility="public",
            state="not_validated",
        )
        own = ticket_open(actor=alice, subject="Keystore rotation", body="How to rotate keys")
        ticket_add_note(actor=agent, ticket=own, body=NOTE_TEXT)
        ticket_update(actor=agent, ticket=own, changes={"status": "solved"})
        other = ticket_open(actor=oscar, subject="Payroll export", body=OTHER_ORG_TEXT)
        ticket_update(actor=agent, ticket=other, changes={"status": "solved"})
    return {"public": public, "internal": internal, "unvalidated": unvalidated, "own": own,
            "other": other}  # fmt: skip


def allowed_for_alice(desk) -> set[tuple[str, int]]:
    return {("article", desk["public"].pk), ("ticket", desk["own"].number)}


@pytest.mark.parametrize("text", FORBIDDEN)
def test_a_customer_never_finds_forbidden_text(desk, alice, text):
    for query in (text, f'"{text}"', text.split()[-1]):
        hits = {(h.kind, h.id) for h in search(alice, query).hits}
        assert hits <= allowed_for_alice(desk), query
        assert {a for a, _s in match_articles(query, viewer=alice)} <= {desk["public"].pk}


def test_staff_find_all_of_it(desk, agent):
    assert {h.id for h in search(agent, "kraken").hits} == {desk["internal"].pk}
    assert {h.id for h in search(agent, "flamingo").hits} == {desk["unvalidated"].pk}
    assert {h.id for h in search(agent, "ERR_GLOBEX_PAYROLL").hits} == {desk["other"].number}
    assert {h.id for h in search(agent, "ZX_SECRET_NOTE").hits} == {desk["own"].number}


def test_a_customer_finds_their_organization_and_public_articles(desk, alice, carol):
    assert {(h.kind, h.id) for h in search(carol, "rotate keys").hits} == allowed_for_alice(desk)
    hit = next(h for h in search(alice, "rotate keys").hits if h.kind == "ticket")
    assert hit.url == f"/portal/tickets/{desk['own'].number}/"
    assert "pirated" not in hit.snippet


def test_a_customer_without_organization_gets_public_articles_only(desk):
    loner = make_person("loner")
    hits = {(h.kind, h.id) for h in search(loner, "rotate keys keystore").hits}
    assert hits == {("article", desk["public"].pk)}


def test_anonymous_suggestions_get_public_validated_articles_only(desk):
    assert [a for a, _s in match_articles("keystore kraken flamingo rotate", viewer=None)] == [
        desk["public"].pk
    ]


def test_staff_suggestions_get_every_live_article(desk, agent):
    ids = {a for a, _s in match_articles("keystore kraken flamingo rotate", viewer=agent)}
    assert ids == {desk["public"].pk, desk["internal"].pk, desk["unvalidated"].pk}


def test_similar_solved_tickets_follow_the_same_rule(desk, alice, oscar, agent):
    assert [n for n, _s in match_solved_tickets(OTHER_ORG_TEXT, viewer=alice)] == []
    assert [n for n, _s in match_solved_tickets(NOTE_TEXT, viewer=alice)] == []
    assert [n for n, _s in match_solved_tickets(OTHER_ORG_TEXT, viewer=oscar)] == [
        desk["other"].number
    ]
    assert [n for n, _s in match_solved_tickets(NOTE_TEXT, viewer=agent)] == [desk["own"].number]
    assert match_solved_tickets(NOTE_TEXT, viewer=agent, exclude=desk["own"].number) == []


def test_a_reviewer_is_staff(desk):
    reviewer = make_person("rev", role=Role.REVIEWER)
    assert {h.id for h in search(reviewer, "kraken").hits} == {desk["internal"].pk}


WORDS = sorted({w for text in FORBIDDEN for w in text.split()})


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
    quoted=st.booleans(),
    kind=st.sampled_from([None, ["article"], ["ticket"]]),
)
def test_no_query_drawn_from_forbidden_text_reaches_it(desk, alice, words, quoted, kind):
    query = " ".join(words)
    if quoted:
        query = f'"{query}"'
    hits = {(h.kind, h.id) for h in search(alice, query, kinds=kind).hits}
    assert hits <= allowed_for_alice(desk)
    for article_id, _score in match_articles(query, viewer=alice):
        assert article_id == desk["public"].pk
    for number, _score in match_solved_tickets(query, viewer=alice):
        assert number == desk["own"].number
