"""Reads of the working tools, scoped to who asks: the macros a person may use or manage, their
notifications, and a ticket's additional requesters."""

from __future__ import annotations

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import User
from tierdesk.core.errors import NotFound
from tierdesk.macros.choices import MacroKind
from tierdesk.macros.models import Macro, Notification, TicketCollaborator
from tierdesk.tickets.choices import Status
from tierdesk.tickets.models import Ticket


def _their_groups(user: User) -> QuerySet:
    return User.skill_groups.through.objects.filter(user_id=user.pk).values("skillgroup_id")


def skill_group_ids(user: User) -> set[int]:
    """The ids of `user`'s skill groups, in one query (for deciding many macros at once)."""
    return set(_their_groups(user).values_list("skillgroup_id", flat=True))


def macros_available(user: User, ticket: Ticket | None = None) -> QuerySet[Macro]:
    """The macros `user` may apply: their personal ones, their skill groups' and the global ones.

    With a ticket: none on a closed ticket (nothing may be written to it), and only note macros
    for a quality reviewer, who does not reply to customers.
    """
    if not user.is_support_staff:
        return Macro.objects.none()
    macros = Macro.objects.filter(
        Q(owner_id=user.pk)
        | Q(group_id__in=_their_groups(user))
        | Q(owner__isnull=True, group__isnull=True)
    )
    if ticket is not None:
        if ticket.status == Status.CLOSED:
            return Macro.objects.none()
        if not user.can_reply_publicly:
            macros = macros.filter(kind=MacroKind.NOTE)
    return macros.order_by("name", "id")


def macros_visible_to(user: User) -> QuerySet[Macro]:
    """The macros `user` may read on the macros page and API: those available to them, and for
    managers and administrators every group's macros too (they look after them). Nobody sees
    another person's personal macros."""
    if not user.is_support_staff:
        return Macro.objects.none()
    shown = (
        Q(owner_id=user.pk)
        | Q(group_id__in=_their_groups(user))
        | Q(owner__isnull=True, group__isnull=True)
    )
    if user.role in {Role.MANAGER, Role.ADMIN}:
        shown |= Q(group__isnull=False)
    return Macro.objects.filter(shown).select_related("group", "owner").order_by("name", "id")


def macro_get_for_user(user: User, macro_id: int) -> Macro:
    """The macro, or NotFound when it does not exist or `user` may not see it."""
    macro = macros_visible_to(user).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("No such macro."))
    return macro


def notifications_for(user: User, *, limit: int = 100) -> list[Notification]:
    """`user`'s latest notifications, unread first, then newest first."""
    return list(
        Notification.objects.filter(person_id=user.pk)
        .select_related("actor", "ticket")
        .order_by(
            Case(When(read_at__isnull=True, then=Value(0)), default=Value(1)),
            "-created_at",
            "-id",
        )[:limit]
    )


def notification_get_for_user(user: User, notification_id: int) -> Notification:
    """One of `user`'s notifications, or NotFound (for anyone else's as well)."""
    notification = Notification.objects.filter(pk=notification_id, person_id=user.pk).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    return notification


def unread_notification_count(user: User) -> int:
    """How many notifications `user` has not read; one query on the partial unread index."""
    return Notification.objects.filter(person_id=user.pk, read_at__isnull=True).count()


def ticket_collaborators(user: User, ticket: Ticket) -> list[TicketCollaborator]:
    """The ticket's additional requesters, oldest first; staff only (customers see none)."""
    if not user.is_support_staff:
        return []
    return list(
        TicketCollaborator.objects.filter(ticket=ticket)
        .select_related("person", "source_ticket")
        .order_by("created_at", "id")
    )
