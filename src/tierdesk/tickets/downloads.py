"""Serving a ticket's attachment: the one download the API, the console and the portal share."""

from __future__ import annotations

import re

from django.http import FileResponse

from tierdesk.accounts.models import User
from tierdesk.tickets.selectors import attachment_get_for_user
from tierdesk.tickets.services import restricted_ticket_read_record

# The uploader's browser named the type; anything but a plain `type/subtype` is served as bytes.
# RFC 6838 restricted names, checked after lower-casing.
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
FALLBACK_TYPE = "application/octet-stream"


def download_content_type(stored: str) -> str:
    """The Content-Type to serve a file with: the stored media type without its parameters when
    it is well formed, application/octet-stream otherwise."""
    media_type = (stored or "").split(";", 1)[0].strip().lower()
    return media_type if MEDIA_TYPE.match(media_type) else FALLBACK_TYPE


def attachment_download(user: User, attachment_id: int) -> FileResponse:
    """The attachment as a download for someone who may read it.

    Always `Content-Disposition: attachment` with `nosniff`, so an uploaded HTML or SVG file is
    never rendered in our origin. Reading an attachment of a restricted ticket is recorded like
    any other read of it. Raises NotFound when the attachment does not exist or `user` may not
    read it (an internal note's file, for a customer).
    """
    attachment = attachment_get_for_user(user, attachment_id)
    # Opened before the read is recorded, so a file missing from storage records no read.
    content = attachment.file.open("rb")
    if attachment.ticket.restricted:
        restricted_ticket_read_record(actor=user, ticket=attachment.ticket)
    response = FileResponse(
        content,
        as_attachment=True,
        filename=attachment.filename,
        content_type=download_content_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
