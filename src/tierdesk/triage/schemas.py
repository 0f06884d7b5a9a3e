"""API shapes of triage: a ticket's suggestion, the active model's figures and training runs."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from tierdesk.core.api import ErrorItem


class SuggestionOut(Schema):
    """What the model suggests for a ticket. `accepted` is true when the ticket now carries both
    suggested values, applied with one click or set by hand."""

    ticket: int
    type: str
    type_confidence: float
    product_area: str
    product_area_confidence: float
    model: int | None
    created_at: datetime
    applied_at: datetime | None
    accepted: bool


class ClassOut(Schema):
    """One label's figures on the held-out tickets."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


class TargetOut(Schema):
    """How well one target (type or product area) did on the held-out tickets."""

    accuracy: float
    macro_f1: float
    held_out: int
    labels: list[str]
    classes: list[ClassOut]


class ModelOut(Schema):
    """A trained model: when, on how many solved tickets, and how it did on the held-out fifth."""

    id: int
    trained_at: datetime
    trained_by: str | None
    active: bool
    training_tickets: int
    held_out_tickets: int
    seconds: float
    type: TargetOut
    product_area: TargetOut


class TrainingOut(Schema):
    """A request to train, carried out by the worker. `status` is `queued`, `running`,
    `succeeded` (with `model`, the new active model's id) or `failed` (with `errors`, each a
    field and a reason: `tickets`, `type` or `product_area` when there was too little to learn
    from). `requested_by` is null for the nightly retraining."""

    id: int
    status: str
    requested_by: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    model: int | None
    errors: list[ErrorItem]
