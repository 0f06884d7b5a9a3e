import uuid

import pytest
from django.urls import reverse

from conftest import PASSWORD
from tierdesk.knowledge.choices import Visibility
from tierdesk.suggestions.choices import DraftOutcome, EventKind
from tierdesk.suggestions.models import PortalDraft, SuggestionEvent
from tierdesk.suggestions.services import draft_touch

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(client, alice):
    client.login(username=alice.username, password=PASSWORD)
    return client


@pytest.fixture
def articles(write_articles):
    return {
        "reset": write_articles("How do I reset my password?"),
        "internal": write_articles(
            "Resetting passwords in the admin database", visibility=Visibility.INTERNAL
        ),
    }


def _suggest(client, draft, subject="I forgot my password", description=""):
    return client.post(
        reverse("suggestions:portal"),
        {"subject": subject, "description": description, "draft": str(draft)},
        headers={"HX-Request": "true"},
    )


def test_the_partial_shows_public_articles_and_records_impressions_once(
    customer, articles, words_only, alice
):
    draft = uuid.uuid4()

    first = _suggest(customer, draft)
    again = _suggest(customer, draft, description="I cannot sign in")

    html = first.content.decode()
    assert first.status_code == 200
    assert "How do I reset my password?" in html
    assert "admin database" not in html
    assert reverse("suggestions:open", args=[draft, articles["reset"].pk]) in html
    assert again.status_code == 200
    stored = PortalDraft.objects.get(pk=draft)
    assert stored.person == alice
    assert stored.shown_count == 1
    assert SuggestionEvent.objects.filter(draft=stored, kind=EventKind.IMPRESSION).count() == 1


def test_junk_shows_nothing_and_creates_no_draft(customer, articles, words_only):
    response = _suggest(customer, uuid.uuid4(), subject="qwxz")

    assert response.content.decode().strip() == ""
    assert not PortalDraft.objects.exists()


def test_the_click_redirect_records_the_click_and_opens_the_article(customer, articles, words_only):
    draft = uuid.uuid4()
    _suggest(customer, draft)
    article = articles["reset"]

    response = customer.get(reverse("suggestions:open", args=[draft, article.pk]))
    customer.get(reverse("suggestions:open", args=[draft, article.pk]))

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("knowledge:portal_article", args=[article.pk]) + f"?draft={draft}"
    )
    assert SuggestionEvent.objects.filter(draft_id=draft, kind=EventKind.CLICK).count() == 1
    assert PortalDraft.objects.get(pk=draft).clicked_count == 1


def test_the_click_link_never_creates_a_draft_nor_counts_an_unshown_article(
    customer, articles, words_only, alice, oscar, write_articles
):
    """The link is a GET another site could embed (an <img>): it records only against the
    customer's existing draft and an article that draft was shown."""
    article = articles["reset"]
    unshown = write_articles("Scheduled export stops at 99%")
    mine = uuid.uuid4()
    _suggest(customer, mine)  # shows the password article only
    theirs = draft_touch(person=oscar, draft_id=uuid.uuid4())
    page = reverse("knowledge:portal_article", args=[article.pk])

    unknown = customer.get(reverse("suggestions:open", args=[uuid.uuid4(), article.pk]))
    not_shown = customer.get(reverse("suggestions:open", args=[mine, unshown.pk]))
    others = customer.get(reverse("suggestions:open", args=[theirs.pk, article.pk]))

    assert unknown.status_code == 302
    assert unknown["Location"] == page
    assert not_shown["Location"] == reverse("knowledge:portal_article", args=[unshown.pk])
    assert others["Location"] == page
    assert PortalDraft.objects.filter(person=alice).count() == 1
    assert not SuggestionEvent.objects.filter(kind=EventKind.CLICK).exists()
    assert PortalDraft.objects.get(pk=mine).clicked_count == 0
    assert PortalDraft.objects.get(pk=theirs.pk).clicked_count == 0


def test_the_click_redirect_never_opens_an_internal_article(customer, articles):
    response = customer.get(
        reverse("suggestions:open", args=[uuid.uuid4(), articles["internal"].pk])
    )

    assert response.status_code == 404


def test_the_article_page_asks_whether_it_answered_only_with_the_persons_draft(
    customer, articles, alice, oscar
):
    article = articles["reset"]
    mine = draft_touch(person=alice, draft_id=uuid.uuid4())
    theirs = draft_touch(person=oscar, draft_id=uuid.uuid4())
    page = reverse("knowledge:portal_article", args=[article.pk])

    with_draft = customer.get(f"{page}?draft={mine.pk}").content.decode()
    without = customer.get(page).content.decode()
    others = customer.get(f"{page}?draft={theirs.pk}").content.decode()

    assert 'id="deflect-prompt"' in with_draft
    assert reverse("suggestions:answered", args=[mine.pk, article.pk]) in with_draft
    assert f"{reverse('portal:new')}?draft={mine.pk}" in with_draft
    assert 'id="deflect-prompt"' not in without
    assert 'id="deflect-prompt"' not in others


def test_this_answered_my_question_deflects_the_draft(customer, articles, alice):
    article = articles["reset"]
    draft = draft_touch(person=alice, draft_id=uuid.uuid4())

    response = customer.post(reverse("suggestions:answered", args=[draft.pk, article.pk]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.outcome == DraftOutcome.DEFLECTED
    assert draft.deflected_explicitly
    page = reverse("knowledge:portal_article", args=[article.pk])
    assert 'id="deflect-prompt"' not in customer.get(f"{page}?draft={draft.pk}").content.decode()


def test_submitting_the_request_marks_its_draft_submitted(customer, articles, words_only):
    draft = uuid.uuid4()
    _suggest(customer, draft)

    response = customer.post(
        reverse("portal:new"),
        {
            "subject": "I forgot my password",
            "description": "Still cannot sign in after the reset.",
            "priority": "normal",
            "draft": str(draft),
        },
    )

    assert response.status_code == 302
    stored = PortalDraft.objects.get(pk=draft)
    assert stored.outcome == DraftOutcome.SUBMITTED
    assert stored.ticket is not None


def test_the_new_request_form_carries_a_draft_and_the_htmx_hook(customer):
    html = customer.get(reverse("portal:new")).content.decode()
    kept = customer.get(reverse("portal:new"), {"draft": "0b5c6f1e-4d1e-4a5e-9d1b-2f3a4b5c6d7e"})

    assert 'name="draft"' in html
    assert f'hx-post="{reverse("suggestions:portal")}"' in html
    assert 'value="0b5c6f1e-4d1e-4a5e-9d1b-2f3a4b5c6d7e"' in kept.content.decode()


def test_staff_cannot_post_to_the_portal_partial(client, agent):
    client.login(username=agent.username, password=PASSWORD)

    response = client.post(reverse("suggestions:portal"), {"subject": "password"})

    assert response.status_code == 302
