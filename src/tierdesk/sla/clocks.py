"""A ticket's SLA clocks computed from its history: a pure replay of what happened, with no
database, so the same function serves the ticket page, the sweep and the tests.

How each metric runs (the contract the reference tests check):
- first response starts when the ticket opens (a phone ticket: when the customer's call started
  ringing) and stops at the desk's first public reply, the chat being taken or the call answered,
  or the ticket being solved. A ticket the desk opened itself has none, except a phone ticket
  opened for a customer's call.
- next response starts at a customer message once the first response is over, unless one is
  already running, and stops at the next public reply or the solve.
- periodic update starts at every public reply on an unsolved ticket (ending the one before) and
  stops at the next reply or the solve; it pauses while the ticket waits on the customer
  (pending), and while it is on hold when the policy in force says so.
- resolution starts when the ticket opens, pauses as periodic updates do, and stops at the
  solve; a reopen starts the next cycle.
- Solved and closed both count as the solve. Facts at one instant apply in the order written.
- A clock that stops at the instant it started is not kept (a reply that solves the ticket), nor
  numbered: cycles count the kept clocks of a metric, 1 for the first.
- Each metric's target comes from the first policy, in order, that matches the ticket and sets
  that metric: a chat ticket's first response from the chat policy, its resolution from the
  first policy below that promises one. Pausing on hold and the calendar are those of the
  policy that gave the target.
- Elapsed time is the business time of the clock's running spans on the calendar of the target
  in force: at the stop for a stopped clock, now for the others. When priority, tags or another
  matched field changes, running and paused clocks take the new policy's target from their
  start; a clock whose new target has already passed is breached at the instant it passed.
- A clock is due at the first instant its elapsed time reaches the target (for a clock that
  has not reached it: when it would, running on from its last start or resume, or from its stop;
  a paused clock that has not reached it shows none). It is met when it stopped by its due time,
  breached otherwise, and breached as soon as its due time is past: a reply after hours to a
  clock that ran out at closing time is late, although no business time passed since.
- A running clock with a warning lead time warns at the first instant its elapsed time reaches
  the target less the lead, found as the due time is: business time left equals the lead, so a
  business-hours warning never falls while the desk is closed. When that much had already run
  before a pause, it is the instant it was reached.
- Each clock carries the priority and channel the ticket had when its outcome was decided: at
  the stop for a stopped clock, now for the others, so attainment counts it where it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from tierdesk.sla.calendar import BusinessHours
from tierdesk.sla.choices import ClockState, Metric, Outcome
from tierdesk.tickets.choices import Status

PAUSABLE = frozenset({Metric.PERIODIC_UPDATE, Metric.RESOLUTION})
SOLVED = frozenset({Status.SOLVED, Status.CLOSED})


@dataclass(frozen=True)
class Attributes:
    """What policies match on, as it stood at one moment of the ticket's life."""

    channel: str
    priority: str
    tags: tuple[str, ...] = ()
    plan: str = ""
    organization_id: int | None = None
    region: str = ""


@dataclass(frozen=True)
class TargetSpec:
    """One target of the policy in force, with the business hours it is counted in."""

    policy_id: int | None
    policy_name: str
    target_id: int | None
    metric: str
    seconds: int
    hours: BusinessHours
    business_hours: bool = True
    calendar_id: int | None = None
    goal_percent: Decimal = Decimal(90)
    warn_before: int = 0
    pause_on_hold: bool = False


class Resolver(Protocol):
    def __call__(self, attributes: Attributes) -> dict[str, TargetSpec]: ...


# Kinds of fact, in the order the history builder writes them.
OPENED = "opened"
CUSTOMER = "customer"
REPLY = "reply"
ANSWERED = "answered"
STATUS = "status"
ATTRIBUTES = "attributes"


@dataclass(frozen=True)
class Fact:
    """One thing that happened to the ticket and may move a clock."""

    at: datetime
    kind: str
    status: str = ""
    attributes: Attributes | None = None
    # Of an attributes change: the field that changed, its new stored value (tags as a tuple),
    # and both in one line as written then.
    label: str = ""
    field: str = ""
    value: Any = ""


@dataclass
class TicketHistory:
    """A ticket's facts, oldest first. `first_response_from` is when the customer started
    waiting for the first answer, or None when the desk opened the ticket itself."""

    created_at: datetime
    attributes: Attributes
    facts: list[Fact]
    first_response_from: datetime | None


@dataclass
class ClockResult:
    metric: str
    cycle: int
    spec: TargetSpec
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    state: str
    outcome: str
    decided_at: datetime | None
    elapsed_seconds: float
    remaining_seconds: float
    history: list[dict[str, Any]]
    # The ticket's priority and channel when the outcome was decided (see the module docstring).
    priority: str = ""
    channel: str = ""


@dataclass
class _Instance:
    metric: str
    cycle: int
    started_at: datetime
    spec: TargetSpec | None
    spans: list[list[datetime | None]] = field(default_factory=list)
    stopped_at: datetime | None = None
    moves: list[dict[str, Any]] = field(default_factory=list)
    # What the ticket matched on when the clock stopped.
    stopped_with: Attributes | None = None

    @property
    def running(self) -> bool:
        return bool(self.spans) and self.spans[-1][1] is None

    def move(self, at: datetime, move: str, **detail: Any) -> None:
        self.moves.append({"at": at.isoformat(), "move": move, **detail})


class _Replay:
    def __init__(self, history: TicketHistory, resolve: Resolver) -> None:
        self.resolve = resolve
        self.attributes = history.attributes
        self.specs = resolve(history.attributes)
        self.status = Status.NEW
        self.instances: list[_Instance] = []
        self.active: dict[str, _Instance] = {}
        self.first_response_over = history.first_response_from is None
        self.history = history

    def start(self, metric: str, at: datetime, reason: str) -> None:
        self.stop(metric, at, reason)
        # Numbered once the replay knows which clocks are kept.
        instance = _Instance(metric, 0, at, self.specs.get(metric))
        instance.move(at, "started", reason=reason)
        if instance.spec is not None:
            self._note_target(instance, at, None)
        instance.spans.append([at, None])
        self.instances.append(instance)
        self.active[metric] = instance

    def stop(self, metric: str, at: datetime, reason: str) -> None:
        instance = self.active.pop(metric, None)
        if instance is None:
            return
        if instance.running:
            instance.spans[-1][1] = at
        instance.stopped_at = at
        instance.stopped_with = self.attributes
        instance.move(at, "stopped", reason=reason)
        if metric == Metric.FIRST_RESPONSE:
            self.first_response_over = True

    def _paused_by_status(self, instance: _Instance) -> bool:
        if instance.metric not in PAUSABLE:
            return False
        if self.status == Status.PENDING:
            return True
        return (
            self.status == Status.ON_HOLD
            and instance.spec is not None
            and instance.spec.pause_on_hold
        )

    def settle_pauses(self, at: datetime) -> None:
        for instance in self.active.values():
            paused = self._paused_by_status(instance)
            if paused and instance.running:
                instance.spans[-1][1] = at
                instance.move(at, "paused", status=self.status)
            elif not paused and not instance.running:
                instance.spans.append([at, None])
                instance.move(at, "resumed", status=self.status)

    def _note_target(self, instance: _Instance, at: datetime, cause: Fact | None) -> None:
        spec = instance.spec
        # What brought the target in force, if a change did: "field" and "value" for readers
        # to word in their language, "label" as written then.
        detail: dict[str, Any] = {"label": ""}
        if cause is not None:
            # A list, as the stored history reads back from JSON, so an unchanged clock compares
            # equal to its stored row.
            value = list(cause.value) if isinstance(cause.value, tuple) else cause.value
            detail = {"label": cause.label, "field": cause.field, "value": value}
        if spec is None:
            instance.move(at, "target", policy="", seconds=None, **detail)
        else:
            instance.move(
                at,
                "target",
                policy=spec.policy_name,
                seconds=spec.seconds,
                business_hours=spec.business_hours,
                **detail,
            )

    def change_attributes(self, fact: Fact, attributes: Attributes) -> None:
        self.attributes = attributes
        self.specs = self.resolve(attributes)
        for metric, instance in self.active.items():
            spec = self.specs.get(metric)
            if spec != instance.spec:
                instance.spec = spec
                self._note_target(instance, fact.at, fact)

    def apply(self, fact: Fact) -> None:
        at = fact.at
        if fact.kind == OPENED:
            if self.history.first_response_from is not None:
                self.start(Metric.FIRST_RESPONSE, self.history.first_response_from, "opened")
            self.start(Metric.RESOLUTION, at, "opened")
        elif fact.kind == CUSTOMER:
            if self.first_response_over and Metric.NEXT_RESPONSE not in self.active:
                self.start(Metric.NEXT_RESPONSE, at, "customer_message")
        elif fact.kind == REPLY:
            self.stop(Metric.FIRST_RESPONSE, at, "reply")
            self.stop(Metric.NEXT_RESPONSE, at, "reply")
            if self.status not in SOLVED:
                self.start(Metric.PERIODIC_UPDATE, at, "reply")
        elif fact.kind == ANSWERED:
            self.stop(Metric.FIRST_RESPONSE, at, "answered")
        elif fact.kind == STATUS:
            previous, self.status = self.status, fact.status
            if fact.status in SOLVED:
                for metric in list(self.active):
                    self.stop(metric, at, fact.status)
            elif previous in SOLVED:
                self.start(Metric.RESOLUTION, at, "reopened")
        elif fact.kind == ATTRIBUTES and fact.attributes is not None:
            self.change_attributes(fact, fact.attributes)
        self.settle_pauses(at)


def replay(history: TicketHistory, resolve: Resolver, now: datetime) -> list[ClockResult]:
    """The ticket's clocks as of `now`: every measured instance whose policy has a target."""
    run = _Replay(history, resolve)
    for fact in history.facts:
        if fact.at > now:
            break
        run.apply(fact)
    results = []
    cycles: dict[str, int] = {}
    for instance in run.instances:
        if instance.stopped_at is not None and instance.stopped_at == instance.started_at:
            continue
        # Numbered whatever their policy, so a change of policies never renumbers a ticket's
        # stored clocks.
        cycles[instance.metric] = instance.cycle = cycles.get(instance.metric, 0) + 1
        if instance.spec is not None:
            decided_with = instance.stopped_with or run.attributes
            results.append(_measure(instance, instance.spec, now, decided_with))
    return results


def _measure(
    instance: _Instance, spec: TargetSpec, now: datetime, decided_with: Attributes
) -> ClockResult:
    hours = spec.hours
    target = float(spec.seconds)
    # Elapsed time at which the warning is due: the target less the lead, in the same time.
    warn_budget = target - spec.warn_before
    elapsed = 0.0
    due: datetime | None = None
    warn: datetime | None = None
    for start, end in instance.spans:
        assert start is not None
        if end is None:
            if due is None:
                due = hours.add(start, max(0.0, target - elapsed))
            if warn is None:
                warn = hours.add(start, max(0.0, warn_budget - elapsed))
            elapsed += hours.seconds_between(start, now) if now > start else 0.0
            continue
        span = hours.seconds_between(start, end)
        if due is None and elapsed + span >= target:
            due = hours.add(start, max(0.0, target - elapsed))
        if warn is None and elapsed + span >= warn_budget:
            warn = hours.add(start, max(0.0, warn_budget - elapsed))
        elapsed += span

    stopped = instance.stopped_at is not None
    running = instance.running and not stopped
    if stopped:
        assert instance.stopped_at is not None
        state = ClockState.STOPPED
        # Stopped by the due time, not "no more business time than the target": a clock that
        # ran out at closing time and stopped that evening was breached at closing time (the
        # sweep said so then), although no business time passed after it.
        met = due is None or instance.stopped_at <= due
        outcome = Outcome.MET if met else Outcome.BREACHED
        if due is None:
            # When it would have been due, had the clock run on: shown beside the stop.
            due = hours.add(instance.stopped_at, max(0.0, target - elapsed))
        decided = instance.stopped_at if met else due
    else:
        state = ClockState.RUNNING if running else ClockState.PAUSED
        breached = due is not None and due < now
        outcome = Outcome.BREACHED if breached else Outcome.PENDING
        decided = due if breached else None
    warn_at = None
    if state == ClockState.RUNNING and due is not None and spec.warn_before > 0:
        warn_at = warn
    return ClockResult(
        metric=instance.metric,
        cycle=instance.cycle,
        spec=spec,
        started_at=instance.started_at,
        stopped_at=instance.stopped_at,
        due_at=due if state != ClockState.PAUSED or outcome == Outcome.BREACHED else None,
        warn_at=warn_at,
        state=state,
        outcome=outcome,
        decided_at=decided,
        elapsed_seconds=round(elapsed, 3),
        remaining_seconds=round(max(0.0, target - elapsed), 3),
        history=instance.moves,
        priority=decided_with.priority,
        channel=decided_with.channel,
    )
