"""Checks a ticket's input must pass, shared by every channel: subject, body, tags, attachments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from tierdesk.core.text import html_to_text, sanitize_html, text_to_html

SUBJECT_MAX = 250
BODY_MAX = 200_000
TAGS_MAX = 30
TAG_PATTERN = re.compile(r"^[\w][\w.\-:/]{0,49}$", re.UNICODE)


@dataclass(frozen=True)
class NewAttachment:
    """A file on its way into a ticket: name, type and content, whatever channel it came from."""

    filename: str
    content_type: str
    file: UploadedFile

    @classmethod
    def from_upload(cls, upload: UploadedFile) -> NewAttachment:
        return cls(
            filename=upload.name or "attachment",
            content_type=upload.content_type or "application/octet-stream",
            file=upload,
        )


# --- validation --------------------------------------------------------------------------------


def check_choice(errors: dict[str, str], field: str, value: Any, choices: Iterable[Any]) -> None:
    allowed = list(choices)
    if value not in allowed:
        errors[field] = _("%(value)s is not one of: %(choices)s.") % {
            "value": value,
            "choices": ", ".join(str(c) for c in allowed),
        }


def normalize_tags(value: Any, errors: dict[str, str]) -> list[str]:
    """Tags lower-cased, de-duplicated and in the order given; records an error for a bad tag."""
    if not isinstance(value, list | tuple):
        errors["tags"] = _("Give a list of tags.")
        return []
    tags: list[str] = []
    for raw in value:
        tag = str(raw).strip().lower().replace(" ", "_")
        if not tag:
            continue
        if not TAG_PATTERN.match(tag):
            errors["tags"] = _(
                "%(tag)s is not a valid tag: use letters, digits, _ . - : / and at most 50 characters."
            ) % {"tag": raw}
            return []
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        errors["tags"] = _("A ticket carries at most %(max)d tags.") % {"max": TAGS_MAX}
    return tags


def clean_subject(subject: Any, errors: dict[str, str]) -> str:
    text = " ".join(str(subject or "").split())
    if not text:
        errors["subject"] = _("This field is required.")
    elif len(text) > SUBJECT_MAX:
        errors["subject"] = _("At most %(max)d characters.") % {"max": SUBJECT_MAX}
    return text


def clean_body(
    body_text: str, body_html: str, errors: dict[str, str], field: str = "body"
) -> tuple[str, str]:
    """Returns (text, sanitised HTML); either may be given, the other is derived from it."""
    body_text = (body_text or "").strip()
    body_html = (body_html or "").strip()
    if body_html:
        body_html = sanitize_html(body_html)
        if not body_text:
            body_text = html_to_text(body_html)
    elif body_text:
        body_html = text_to_html(body_text)
    if not body_text:
        errors[field] = _("This field is required.")
    elif len(body_text) > BODY_MAX:
        errors[field] = _("At most %(max)d characters.") % {"max": BODY_MAX}
    return body_text, body_html


def validate_attachment(item: NewAttachment) -> str | None:
    """The reason an attachment is refused, or None when it may be stored."""
    suffix = PurePath(item.filename).suffix.lower()
    if suffix in settings.TIERDESK_ATTACHMENT_BLOCKED_EXTENSIONS:
        return _("%(name)s: files of type %(suffix)s are not accepted.") % {
            "name": item.filename,
            "suffix": suffix,
        }
    size = item.file.size or 0
    if size > settings.TIERDESK_ATTACHMENT_MAX_BYTES:
        return _("%(name)s is %(size)d bytes; the limit is %(limit)d bytes.") % {
            "name": item.filename,
            "size": size,
            "limit": settings.TIERDESK_ATTACHMENT_MAX_BYTES,
        }
    if size == 0:
        return _("%(name)s is empty.") % {"name": item.filename}
    return None


def check_attachments(attachments: Sequence[NewAttachment], errors: dict[str, str]) -> None:
    reasons = [reason for item in attachments if (reason := validate_attachment(item))]
    if reasons:
        errors["attachments"] = " ".join(reasons)
