"""Housekeeping the worker runs on tickets: closing solved tickets the customer left alone, and
removing attachment files whose ticket write was rolled back."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Attachment, Ticket
from tierdesk.tickets.services import apply_status


def tickets_autoclose(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Closes tickets solved more than TIERDESK_AUTOCLOSE_DAYS ago; returns how many were closed.

    Safe to run twice and from several workers: each ticket is re-checked under its row lock.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TIERDESK_AUTOCLOSE_DAYS)
    closed = 0
    while True:
        numbers = list(
            Ticket.objects.filter(status=Status.SOLVED, solved_at__lte=cutoff)
            .order_by("solved_at")
            .values_list("number", flat=True)[:batch_size]
        )
        if not numbers:
            return closed
        for number in numbers:
            with transaction.atomic():
                ticket = (
                    Ticket.objects.select_for_update()
                    .filter(pk=number, status=Status.SOLVED)
                    .first()
                )
                if ticket is None or ticket.solved_at is None or ticket.solved_at > cutoff:
                    continue
                apply_status(ticket, None, Status.CLOSED, now)
                ticket.updated_at = now
                ticket.save()
                closed += 1


def attachment_files_prune(
    *, now: datetime | None = None, grace: timedelta = timedelta(days=1)
) -> int:
    """Deletes stored files under tickets/ that no attachment row names, once older than `grace`;
    returns how many went.

    Files are written before the transaction that records them commits (the storage cannot take
    part in it), so a refused or failed write leaves its file behind. The grace period keeps
    files of writes still in flight.
    """
    cutoff = (now or timezone.now()) - grace
    if not default_storage.exists("tickets"):
        return 0
    ticket_folders, _ = default_storage.listdir("tickets")
    removed = 0
    for folder in ticket_folders:
        if not folder.isdigit():
            continue
        known = set(Attachment.objects.filter(ticket_id=int(folder)).values_list("file", flat=True))
        for path in _files_under(f"tickets/{folder}"):
            if path in known or default_storage.get_modified_time(path) > cutoff:
                continue
            default_storage.delete(path)
            removed += 1
    return removed


def _files_under(folder: str) -> list[str]:
    folders, files = default_storage.listdir(folder)
    paths = [f"{folder}/{name}" for name in files]
    for sub in folders:
        paths.extend(_files_under(f"{folder}/{sub}"))
    return paths
