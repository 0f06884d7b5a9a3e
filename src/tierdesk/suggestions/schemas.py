"""API shapes of suggestions and deflection."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema


class SuggestionsIn(Schema):
    text: str | None = Field(None, description="What the person wrote (at most 5,000 characters).")
    limit: str | None = Field(None, description="How many articles, 1 to 10 (default 5).")
    lang: str | None = Field(None, description="Only articles in this language: en, ja or ru.")


class SuggestionOut(Schema):
    id: int
    title: str
    url: str
    score: float
    language: str
    state: str
    visibility: str


class SuggestionsOut(Schema):
    results: list[SuggestionOut]


class DeflectionIn(Schema):
    from_: str | None = Field(None, alias="from", description="First day (YYYY-MM-DD).")
    to: str | None = Field(None, description="Last day, included (YYYY-MM-DD). Default today.")


class DeflectionWeekOut(Schema):
    week: date
    drafts: int
    shown: int
    deflected: int
    deflected_explicitly: int
    submitted: int
    abandoned: int
    still_open: int = Field(
        description="Drafts shown a suggestion still open (not decided, left out of the rate)."
    )
    impressions: int
    clicks: int
    helpful: int
    deflection_rate: float | None
    click_through_rate: float | None


class DeflectionOut(Schema):
    from_: date = Field(..., alias="from")
    to: date
    tz: str
    weeks: list[DeflectionWeekOut]
    totals: DeflectionWeekOut
