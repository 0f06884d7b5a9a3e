"""@mentions in internal notes and the notifications they create: who is mentioned, who may be
told (only staff who can read the ticket), marking notifications read, and the email that goes
to the person mentioned."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import PermissionDenied
from tierdesk.macros.choices import NotificationKind
from tierdesk.macros.models import Notification
from tierdesk.tickets.models import Message, Ticket

# `@username` not preceded by a word character, so an email address in a note
# (someone@example.com) mentions nobody. Usernames may hold letters, digits and . + - _.
MENTION = re.compile(r"(?<![\w@.+-])@([\w][\w.+-]*)")


def mentioned_usernames(text: str) -> list[str]:
    """The usernames `@mentioned` in `text`, lower-cased, once each, in order. A mention at the
    end of a sentence ("ask @m.orlov.") loses the trailing punctuation."""
    names: list[str] = []
    for match in MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".+-").lower()
        if name and name not in names:
            names.append(name)
    return names


def mentioned_readers(ticket: Ticket, text: str, *, author: User | None) -> list[User]:
    """The active staff `text` mentions who may read `ticket`, other than its author. Customers
    are never mentioned; on a restricted ticket only the people named on it are."""
    names = mentioned_usernames(text)
    if not names:
        return []
    people = (
        User.objects.filter(is_active=True)
        .exclude(role=Role.CUSTOMER)
        .annotate(username_lower=Lower("username"))
        .filter(username_lower__in=names)
    )
    if author is not None:
        people = people.exclude(pk=author.pk)
    if ticket.restricted:
        readers = Ticket.restricted_to.through.objects.filter(ticket_id=ticket.pk)
        people = people.filter(pk__in=readers.values("user_id"))
    return sorted(people, key=lambda p: names.index(p.username.lower()))


def mentions_notify(message: Message) -> list[Notification]:
    """Notifies the staff an internal note mentions and who may read its ticket, and queues an
    email to each who has an address (after commit, so a rolled-back note sends nothing).
    Public replies notify no one: customers read them, and mentions are the desk's business."""
    if not message.is_internal:
        return []
    people = mentioned_readers(message.ticket, message.body_text, author=message.author)
    notifications = Notification.objects.bulk_create(
        Notification(
            person=person,
            ticket_id=message.ticket_id,
            kind=NotificationKind.MENTION,
            actor=message.author,
            message=message,
            created_at=message.created_at,
        )
        for person in people
    )
    emailed = [n.pk for n, p in zip(notifications, people, strict=True) if p.email]
    if emailed:
        transaction.on_commit(lambda: _queue_emails(emailed))
    return notifications


def _queue_emails(notification_ids: list[int]) -> None:
    from tierdesk.macros.tasks import send_mention_email

    for notification_id in notification_ids:
        send_mention_email(notification_id)


@transaction.atomic
def notification_read(*, actor: User, notification: Notification) -> Notification:
    """Marks one of the actor's notifications read; reading it again changes nothing."""
    if notification.person_id != actor.pk:
        raise PermissionDenied(_("This notification is someone else's."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_read_all(*, actor: User) -> int:
    """Marks every unread notification of the actor read; returns how many were unread."""
    return Notification.objects.filter(person_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mention_email_send(notification_id: int) -> bool:
    """Emails the person a mention notification is for, in their language; True when sent.

    Claimed with a conditional update, so two workers running the same job send one email; a
    failed send gives the claim back and raises, for the task's retry.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("person", "actor", "ticket").get(
        pk=notification_id
    )
    person = notification.person
    if not person.email or not person.is_active:
        return False
    base = settings.TIERDESK_PUBLIC_URL.rstrip("/")
    with translation.override(person.language):
        context = {
            "name": notification.actor.display_name if notification.actor else "tierdesk",
            "number": notification.ticket_id,
            "subject": notification.ticket.subject,
        }
        subject = _("%(name)s mentioned you on #%(number)s %(subject)s") % context
        body = "\n\n".join(
            [
                _("%(name)s mentioned you in an internal note on ticket #%(number)s.") % context,
                notification.message.body_text if notification.message else "",
                f"{base}{reverse('tickets:detail', args=[notification.ticket_id])}",
            ]
        )
    try:
        send_mail(subject, body, None, [person.email])
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True
