"""Reads on the work waiting for a person: their groups' queues, their portfolio and the
escalations waiting for them, each in the order the work should be done, scoped to who asks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tierdesk.accounts.choices import Role
from tierdesk.accounts.models import SkillGroup, User
from tierdesk.accounts.selectors import skill_group_by_reference
from tierdesk.core.errors import NotFound
from tierdesk.core.pagination import (
    ID_MAX,
    cursor_decode,
    cursor_encode,
    cursor_refused,
    page_limit,
)
from tierdesk.escalations.models import Escalation, EscalationStatus
from tierdesk.queues.choices import QueueState
from tierdesk.sla.choices import ClockState
from tierdesk.sla.models import SlaClock
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import LIST_COLUMNS, tickets_visible_to

# Unsolved, in the order of the `ticket_group_queue_idx` condition: SQLite uses a partial index
# only when the query repeats its condition term for term.
QUEUE_STATUSES = ("new", "open", "pending", "on_hold")
# Who sees every group's queue and every escalation waiting for any tier.
OVERSEERS = frozenset({Role.MANAGER, Role.ADMIN})
# The escalation manager's columns a list row shows (the rest of the person is never read).
_ESCALATION_MANAGER_COLUMNS = tuple(
    f"escalation_manager__{c}"
    for c in ("id", "username", "first_name", "last_name", "role", "organization_id", "is_active")
)


class NoGroup(Enum):
    """The queue of the tickets in no skill group: nobody's rule routed them, or their group was
    removed. Its one member is a queue as `queue_get_for_user` returns it, beside the groups."""

    QUEUE = "ungrouped"


NO_GROUP = NoGroup.QUEUE
# The name the queue of tickets in no group goes by in the API and in a page's `?group=`.
UNGROUPED = NO_GROUP.value
# A queue: a skill group's, or the one of tickets in no group.
Queue = SkillGroup | NoGroup

# Where a ticket with no running SLA clock sorts among due times: after every real deadline.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)

# The queue state as a number that sorts: new, then reactivated, then answered (see QueueState).
_STATE_RANK = Case(
    When(first_responded_at__isnull=True, then=Value(0)),
    When(reactivated_at__isnull=False, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def sees_every_queue(user: User) -> bool:
    return user.role in OVERSEERS


def ticket_queue_state(ticket: Ticket) -> QueueState:
    """Why `ticket` waits: never answered (new), answered by its customer after the desk had
    (reactivated), or answered and waiting for someone to take it again."""
    if ticket.first_responded_at is None:
        return QueueState.NEW
    if ticket.reactivated_at is not None:
        return QueueState.REACTIVATED
    return QueueState.ANSWERED


# --- ordering and keyset paging ---------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One column of a work list's order, ascending. `alias` names the annotation that carries
    it (and the cursor part); `kind` is int or datetime. The last key of an order is unique."""

    alias: str
    expression: Any
    kind: type


def queue_order() -> list[SortKey]:
    """The order a group's queue serves tickets in, first to last. This is the one place it is
    decided; the pages, the API and the cursor all follow it.

    New tickets come first, then those whose customer answered, then answered tickets put back
    in the queue; within each, the ticket whose next SLA deadline comes soonest (an overdue one
    first, one without a running clock last), then the longest waiting, then the oldest.
    """
    return [
        SortKey("queue_state", _STATE_RANK, int),
        SortKey(
            "queue_due",
            Coalesce(next_due_at(), Value(NO_DEADLINE), output_field=DateTimeField()),
            datetime,
        ),
        SortKey(
            "queue_waiting_since",
            Case(
                When(reactivated_at__isnull=False, then=F("reactivated_at")),
                default=F("created_at"),
                output_field=DateTimeField(),
            ),
            datetime,
        ),
        SortKey("queue_created", F("created_at"), datetime),
        SortKey("queue_number", F("number"), int),
    ]


def next_due_at() -> Subquery:
    """The ticket's next SLA deadline: the earliest due time of its running clocks (NULL when
    none runs). A correlated MIN over the ticket's few clocks, found by the clocks' unique
    (ticket, metric, cycle) index."""
    return Subquery(
        SlaClock.objects.filter(ticket_id=OuterRef("pk"), state=ClockState.RUNNING)
        .order_by()
        .values(due=Func(F("due_at"), function="MIN", output_field=DateTimeField()))
    )


def portfolio_order() -> list[SortKey]:
    """A portfolio's order: tickets whose customer answered first, then the least recently
    updated first, so the ticket that has waited longest for its owner is on top."""
    return [
        SortKey(
            "queue_answered",
            Case(
                When(reactivated_at__isnull=False, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            int,
        ),
        SortKey("queue_updated", F("updated_at"), datetime),
        SortKey("queue_number", F("number"), int),
    ]


def escalation_order() -> list[SortKey]:
    """Escalations waiting to be accepted first, then those the person holds; oldest first."""
    return [
        SortKey(
            "queue_held",
            Case(
                When(status=EscalationStatus.REQUESTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            int,
        ),
        SortKey("queue_created", F("created_at"), datetime),
        SortKey("queue_id", F("id"), int),
    ]


def _cursor_of(keys: Sequence[SortKey], row: Model) -> str:
    parts = []
    for key in keys:
        value = getattr(row, key.alias)
        parts.append(value.isoformat() if isinstance(value, datetime) else str(value))
    return cursor_encode("|".join(parts))


def _cursor_values(keys: Sequence[SortKey], cursor: str) -> list[Any]:
    """The key values `cursor` carries; ValidationFailed naming `cursor` for anything this order
    did not give out (another list's cursor included: the number of parts differs)."""
    parts = cursor_decode(cursor).split("|")
    if len(parts) != len(keys):
        raise cursor_refused(cursor)
    values: list[Any] = []
    for key, part in zip(keys, parts, strict=True):
        try:
            value = datetime.fromisoformat(part) if key.kind is datetime else int(part)
        except ValueError:
            raise cursor_refused(cursor) from None
        # A naive time would be read in the server's zone and shift the page by hours; a number
        # beyond 64 bits cannot be compared by the database.
        if isinstance(value, datetime) and value.tzinfo is None:
            raise cursor_refused(cursor)
        if isinstance(value, int) and not -ID_MAX <= value <= ID_MAX:
            raise cursor_refused(cursor)
        values.append(value)
    return values


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> Q:
    """Rows after `values` in the (ascending) order of `keys`."""
    condition = Q(**{f"{keys[-1].alias}__gt": values[-1]})
    for key, value in zip(reversed(keys[:-1]), reversed(values[:-1]), strict=True):
        condition = Q(**{f"{key.alias}__gt": value}) | (Q(**{key.alias: value}) & condition)
    return condition


def keyset_page(
    items: QuerySet[Any], keys: Sequence[SortKey], *, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """A page of `items` in the order of `keys` after `cursor`, and the next page's cursor (None
    on the last). Every row carries each key as an attribute named by its alias."""
    limit = page_limit(limit)
    items = items.annotate(**{key.alias: key.expression for key in keys})
    if cursor:
        items = items.filter(_after(keys, _cursor_values(keys, cursor)))
    rows = list(items.order_by(*(key.alias for key in keys))[: limit + 1])
    next_cursor = _cursor_of(keys, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


# --- queues -----------------------------------------------------------------------------------


def groups_visible_to(user: User) -> QuerySet[SkillGroup]:
    """The skill groups whose queues `user` works: their own; every group for managers and
    administrators; none for customers."""
    if user.is_customer:
        return SkillGroup.objects.none()
    if sees_every_queue(user):
        return SkillGroup.objects.order_by("name")
    return user.skill_groups.order_by("name")


def _no_group(user: User) -> Q | None:
    """Which tickets in no group `user` works: every one for managers and administrators, those
    at their own tier for the rest of the staff (tier 1 takes what no rule routed, as an
    escalation to a tier and no group waits for everyone of that tier); None for customers and
    for staff without a tier."""
    if user.is_customer:
        return None
    if sees_every_queue(user):
        return Q(group__isnull=True)
    if user.tier is None:
        return None
    return Q(group__isnull=True, tier=user.tier)


def sees_no_group_queue(user: User) -> bool:
    """Whether `user` works the queue of tickets in no group (see `_no_group`)."""
    return _no_group(user) is not None


def queue_get_for_user(user: User, reference: int | str) -> Queue:
    """The queue `reference` names: `ungrouped` (NO_GROUP), or a group by id or name, that `user`
    works; NotFound otherwise (the same answer for a group that does not exist and one that is
    not theirs). A group named `ungrouped` is reached by its id."""
    if str(reference).strip() == UNGROUPED:
        if sees_no_group_queue(user):
            return NO_GROUP
        raise NotFound(_("No such queue."))
    group = skill_group_by_reference(reference)
    if group is None or not groups_visible_to(user).filter(pk=group.pk).exists():
        raise NotFound(_("No such queue."))
    return group


def _queue_tickets(user: User) -> QuerySet[Ticket]:
    """Unsolved tickets nobody holds that `user` may read, in any group or none."""
    return tickets_visible_to(user).filter(assignee__isnull=True, status__in=QUEUE_STATUSES)


def _in_my_queues(user: User, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` in the queues `user` works: their groups' and, for those who work it, the
    queue of tickets in no group (all of it for managers and administrators)."""
    if sees_every_queue(user):
        return tickets
    mine = Q(group__in=user.skill_groups.values("pk"))
    no_group = _no_group(user)
    return tickets.filter(mine if no_group is None else mine | no_group)


def _in_queue(user: User, tickets: QuerySet[Ticket], queue: Queue) -> QuerySet[Ticket]:
    if isinstance(queue, NoGroup):
        no_group = _no_group(user)
        return tickets.filter(no_group) if no_group is not None else tickets.none()
    return tickets.filter(group_id=queue.pk)


def _portfolio_tickets(user: User) -> QuerySet[Ticket]:
    return tickets_visible_to(user).filter(assignee_id=user.pk, status__in=QUEUE_STATUSES)


def escalations_for(user: User) -> QuerySet[Escalation]:
    """Escalations waiting for `user`: requested to their tier, for no group or one of theirs
    (managers and administrators see every waiting escalation), and those they accepted and still
    hold; only on tickets they may read. None for customers."""
    if user.is_customer:
        return Escalation.objects.none()
    waiting = Q(status=EscalationStatus.REQUESTED)
    if not sees_every_queue(user):
        waiting &= Q(to_tier=user.tier) & (
            Q(group__isnull=True) | Q(group__in=user.skill_groups.values("pk"))
        )
    held = Q(status=EscalationStatus.ACCEPTED, accepted_by=user)
    # A correlated EXISTS looks up each escalation's ticket by its key; `ticket__in` would
    # make SQLite list every readable ticket first (a scan of the whole table).
    readable = tickets_visible_to(user).filter(number=OuterRef("ticket_id"))
    return Escalation.objects.filter(waiting | held).filter(Exists(readable))


@dataclass(frozen=True)
class QueueSummary:
    """A queue and how many tickets wait in it, by why they wait. `group` is None for the queue
    of tickets in no group."""

    group: SkillGroup | None
    new: int
    reactivated: int
    answered: int

    @property
    def total(self) -> int:
        return self.new + self.reactivated + self.answered


@dataclass(frozen=True)
class QueueOverview:
    """The queues a person works: their groups' by name, and the queue of tickets in no group
    (None for those who do not work it)."""

    groups: list[QueueSummary]
    ungrouped: QueueSummary | None

    @property
    def total(self) -> int:
        """Every ticket waiting in these queues: the count of all of them together."""
        extra = self.ungrouped.total if self.ungrouped is not None else 0
        return sum(s.total for s in self.groups) + extra


@dataclass(frozen=True)
class WorkCounts:
    """What waits for a person: their queues, their portfolio, escalations to them."""

    queue: int
    portfolio: int
    escalated: int


def queues_visible_to(user: User) -> QueueOverview:
    """Each group whose queue `user` works, by name, and the queue of tickets in no group when
    they work it, with their counts (two queries; none for customers)."""
    if user.is_customer:
        return QueueOverview([], None)
    groups = list(groups_visible_to(user))
    no_group = _no_group(user)
    waiting = Q(group__in=[g.pk for g in groups])
    if no_group is not None:
        waiting |= no_group
    counts: dict[int | None, Any] = {
        row["group_id"]: row
        for row in _queue_tickets(user)
        .filter(waiting)
        .order_by()
        .values("group_id")
        .annotate(
            new=Count("number", filter=Q(first_responded_at__isnull=True)),
            reactivated=Count("number", filter=Q(reactivated_at__isnull=False)),
            total=Count("number"),
        )
    }

    def summary(group: SkillGroup | None) -> QueueSummary:
        row = counts.get(group.pk if group is not None else None)
        if row is None:
            return QueueSummary(group, 0, 0, 0)
        answered = row["total"] - row["new"] - row["reactivated"]
        return QueueSummary(group, row["new"], row["reactivated"], answered)

    return QueueOverview(
        [summary(group) for group in groups], summary(None) if no_group is not None else None
    )


def _count(items: QuerySet[Any]) -> Subquery:
    # COUNT as a plain function, not an aggregate: Django adds no GROUP BY, so the subquery is
    # one row, and each count walks its own index.
    return Subquery(
        items.order_by().values(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    )


def work_counts(user: User | AnonymousUser) -> WorkCounts | None:
    """How much waits for `user` in their queues (their groups' and, for those who work it, the
    queue of tickets in no group), their portfolio and their escalations, in one query; None for
    customers and anonymous visitors."""
    if not isinstance(user, User) or user.is_customer:
        return None
    counts = (
        User.objects.filter(pk=user.pk)
        .values(
            queue=_count(_in_my_queues(user, _queue_tickets(user))),
            portfolio=_count(_portfolio_tickets(user)),
            escalated=_count(escalations_for(user)),
        )
        .get()
    )
    return WorkCounts(**counts)


# --- lists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkPage:
    """One page of a work list and the cursor of the next (None on the last)."""

    items: list[Any]
    next_cursor: str | None


def _ticket_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    # A row shows a complaint's or incident's escalation manager by name: joined, not fetched.
    return tickets.select_related(
        "requester", "organization", "assignee", "group", "escalation_manager"
    ).only(*LIST_COLUMNS, *_ESCALATION_MANAGER_COLUMNS)


def _with_readers(tickets: list[Ticket]) -> None:
    # Staff see who may read a restricted ticket: one query for the page, none otherwise.
    prefetch_related_objects([t for t in tickets if t.restricted], "restricted_to")


def queue_tickets(
    user: User, queue: Queue | None, *, cursor: str | None = None, limit: int = 50
) -> WorkPage:
    """One page of the tickets nobody holds in `queue` (every queue `user` works when None), in
    `queue_order`. The caller checks `queue` with `queue_get_for_user`."""
    if user.is_customer:
        return WorkPage([], None)
    tickets = _queue_tickets(user)
    tickets = _in_my_queues(user, tickets) if queue is None else _in_queue(user, tickets, queue)
    rows, next_cursor = keyset_page(
        _ticket_rows(tickets), queue_order(), cursor=cursor, limit=limit
    )
    for row in rows:
        # The sort key carries the due time the row shows; no deadline shows none.
        row.sla_due = None if row.queue_due >= NO_DEADLINE else row.queue_due
    _with_readers(rows)
    return WorkPage(rows, next_cursor)


def portfolio_tickets(user: User, *, cursor: str | None = None, limit: int = 50) -> WorkPage:
    """One page of the unsolved tickets `user` holds, in `portfolio_order`."""
    if user.is_customer:
        return WorkPage([], None)
    rows, next_cursor = keyset_page(
        _ticket_rows(_portfolio_tickets(user)).annotate(sla_due=next_due_at()),
        portfolio_order(),
        cursor=cursor,
        limit=limit,
    )
    _with_readers(rows)
    return WorkPage(rows, next_cursor)


def escalated_to(user: User, *, cursor: str | None = None, limit: int = 50) -> WorkPage:
    """One page of `escalations_for(user)` in `escalation_order`, each with its ticket loaded as
    a list row (`escalation.ticket`)."""
    escalations = escalations_for(user).select_related(
        "group",
        "requested_by",
        "accepted_by",
        "ticket",
        "ticket__requester",
        "ticket__organization",
        "ticket__assignee",
        "ticket__group",
        "ticket__escalation_manager",
    )
    rows, next_cursor = keyset_page(escalations, escalation_order(), cursor=cursor, limit=limit)
    _with_readers([e.ticket for e in rows])
    return WorkPage(rows, next_cursor)


def ticket_may_release(user: User | AnonymousUser, ticket: Ticket) -> bool:
    """Whether `user` may put `ticket` back in its queue: its holder, or a manager or
    administrator (the rule of `ticket_release`, for offering the button)."""
    if ticket.assignee_id is None or not isinstance(user, User) or not user.can_reply_publicly:
        return False
    return ticket.assignee_id == user.pk or sees_every_queue(user)
