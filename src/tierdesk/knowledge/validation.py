"""Checks and normalises what writers send for an article, feedback or a flag: each refusal
names its field, so the API and the forms show it where it belongs."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tierdesk.accounts.choices import Language
from tierdesk.accounts.models import User
from tierdesk.core.errors import ValidationFailed
from tierdesk.knowledge.choices import ArticleKind, ArticleState, Visibility
from tierdesk.tickets.choices import ProductArea

TITLE_MAX = 250
TEXT_MAX = 100_000
TAGS_MAX = 20
NOTE_MAX = 250
COMMENT_MAX = 2000
TAG_PATTERN = re.compile(r"^[\w][\w.\-:/+#]{0,39}$", re.UNICODE)

NUL_REFUSED = _lazy("This text contains a NUL character.")


def clean_text(
    errors: dict[str, str], field: str, value: Any, *, required: bool, limit: int
) -> str:
    text = str(value if value is not None else "").strip()
    if field == "title":
        text = " ".join(text.split())
    # PostgreSQL cannot store a NUL in text: refused here, named, rather than a 500 there.
    if "\x00" in text:
        errors[field] = str(NUL_REFUSED)
    elif required and not text:
        errors[field] = _("This field is required.")
    elif len(text) > limit:
        errors[field] = _("Write at most %(max)d characters; this has %(count)d.") % {
            "max": limit,
            "count": len(text),
        }
    return text


def clean_choice(errors: dict[str, str], field: str, value: Any, choices: list[str]) -> str:
    text = str(value if value is not None else "")
    if text not in choices:
        errors[field] = _("%(value)s is not one of %(choices)s.") % {
            "value": text[:40] or '""',
            "choices": ", ".join(c or '""' for c in choices),
        }
    return text


def _tags(errors: dict[str, str], value: Any) -> list[str]:
    """Tags lower-cased, spaces as underscores, de-duplicated, in the order given."""
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list | tuple):
        errors["tags"] = _("Give a list of tags.")
        return []
    tags: list[str] = []
    for raw in value:
        if not isinstance(raw, str):
            errors["tags"] = _("Each tag is a short text.")
            return []
        tag = raw.strip().lower().replace(" ", "_")
        if not tag:
            continue
        if not TAG_PATTERN.match(tag):
            errors["tags"] = _(
                "%(tag)s is not a valid tag: use letters, digits, _ . - : / + # and at most "
                "40 characters."
            ) % {"tag": raw[:60]}
            return []
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        errors["tags"] = _("An article carries at most %(max)d tags.") % {"max": TAGS_MAX}
    return tags


def _owner(errors: dict[str, str], value: Any) -> User | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and "\x00" in value:
        errors["owner"] = str(NUL_REFUSED)
        return None
    owner = value if isinstance(value, User) else None
    if owner is None:
        owner = User.objects.filter(pk=value).first() if str(value).isdigit() else None
        if owner is None:
            owner = User.objects.filter(username=str(value)).first()
    if owner is None:
        errors["owner"] = _("No person %(value)s.") % {"value": str(value)[:60]}
    elif not owner.is_support_staff or not owner.is_active:
        errors["owner"] = _("An article's owner is an active member of staff.")
    return owner


def clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The article fields in `values` checked and normalised; ValidationFailed naming each
    refused field. Unknown keys are refused too, so a misspelt field is named."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for field, value in values.items():
        if field in ("title",):
            clean[field] = clean_text(errors, field, value, required=True, limit=TITLE_MAX)
        elif field in ("problem", "resolution"):
            clean[field] = clean_text(errors, field, value, required=True, limit=TEXT_MAX)
        elif field in ("environment", "cause"):
            clean[field] = clean_text(errors, field, value, required=False, limit=TEXT_MAX)
        elif field == "kind":
            clean[field] = clean_choice(errors, field, value, ArticleKind.values)
        elif field == "language":
            clean[field] = clean_choice(errors, field, value, Language.values)
        elif field == "visibility":
            clean[field] = clean_choice(errors, field, value, Visibility.values)
        elif field == "state":
            clean[field] = clean_choice(errors, field, value, ArticleState.values)
        elif field == "product_area":
            clean[field] = clean_choice(errors, field, value or "", ["", *ProductArea.values])
        elif field == "tags":
            clean[field] = _tags(errors, value)
        elif field == "owner":
            clean[field] = _owner(errors, value)
        else:
            errors[field] = _("Unknown field.")
    if errors:
        raise ValidationFailed(errors)
    return clean


def clean_note(value: str) -> str:
    note = " ".join((value or "").split())
    if "\x00" in note:
        raise ValidationFailed(note=str(NUL_REFUSED))
    if len(note) > NOTE_MAX:
        raise ValidationFailed(note=_("Write at most %(max)d characters.") % {"max": NOTE_MAX})
    return note
