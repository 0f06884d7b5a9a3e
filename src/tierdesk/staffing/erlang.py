"""Erlang C: agents needed to answer a stream of contacts within a target time, in pure Python.

The queue is M/M/N: Poisson arrivals, exponential handle times, N agents, nobody hangs up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Traffic needing more agents than this is a sign of absurd input (a unit mistake), not a plan:
# it is refused up front, and a search that has not met the target by this many agents stops,
# so no request (any staff member can call the API) keeps a worker busy for long.
MAX_AGENTS = 20_000


def gettext_noop(message: str) -> str:
    """Marks a reason for the translation catalog without importing Django; the API
    translates it when it answers."""
    return message


class ErlangInputError(ValueError):
    """Input the formula cannot take; `errors` maps each field to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in errors.items()))


@dataclass(frozen=True)
class ErlangResult:
    """What N agents give for the traffic: service level, wait probability, ASA, occupancy."""

    agents: int
    agents_with_shrinkage: int
    traffic_erlangs: float
    probability_of_waiting: float
    service_level: float
    average_speed_of_answer_seconds: float
    occupancy: float


def traffic_intensity(arrivals: float, interval_seconds: float, aht_seconds: float) -> float:
    """A, in Erlangs: arrivals * average handle time / interval length."""
    return arrivals * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of Erlang B, by the recurrence B(n) = A*B(n-1) / (n + A*B(n-1)),
    B(0) = 1, which never forms A^N or N! and so stays accurate for hundreds of agents."""
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b


def probability_of_waiting(agents: int, traffic: float) -> float:
    """Erlang C, P(W): the chance a contact waits at all, from Erlang B as
    C = N*B / (N - A*(1 - B)). 1.0 when N <= A: the queue grows without bound."""
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> float:
    """Share answered within the target: 1 - P(W)*e^(-(N-A)*T/AHT); 0.0 when N <= A."""
    if agents <= traffic:
        return 0.0
    pw = probability_of_waiting(agents, traffic)
    return max(0.0, 1 - pw * math.exp(-(agents - traffic) * target_seconds / aht_seconds))


def average_speed_of_answer(agents: int, traffic: float, aht_seconds: float) -> float:
    """ASA in seconds: P(W)*AHT / (N - A); infinite when N <= A."""
    if agents <= traffic:
        return math.inf
    return probability_of_waiting(agents, traffic) * aht_seconds / (agents - traffic)


def agents_after_shrinkage(agents: int, shrinkage: float) -> int:
    """People to schedule so that `agents` are on the phones once a share `shrinkage` of paid
    time goes to breaks, training and absence: ceil(N / (1 - shrinkage))."""
    # Rounded to 9 places first so 14 / 0.7 = 20.000000000000004 stays 20.
    return math.ceil(round(agents / (1 - shrinkage), 9))


_TOO_MANY = gettext_noop("Needs more agents than the calculator tries; check the units.")


def _level_from_b(
    agents: int, traffic: float, b: float, aht_seconds: float, target_seconds: float
) -> float:
    """The service level of N agents (N > A) from their Erlang B value `b`, the same formula as
    service_level() without recomputing B."""
    pw = agents * b / (agents - traffic * (1 - b))
    return max(0.0, 1 - pw * math.exp(-(agents - traffic) * target_seconds / aht_seconds))


def _validate(
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    target_seconds: float,
    target_level: float,
    shrinkage: float,
) -> None:
    errors: dict[str, str] = {}
    for name, value in (
        ("arrivals", arrivals),
        ("interval_seconds", interval_seconds),
        ("aht_seconds", aht_seconds),
    ):
        if not math.isfinite(value) or value <= 0:
            errors[name] = gettext_noop("Give a number greater than 0.")
    if not math.isfinite(target_seconds) or target_seconds < 0:
        errors["target_seconds"] = gettext_noop("Give a number of seconds, 0 or more.")
    if not math.isfinite(target_level) or not 0 < target_level < 1:
        errors["target_level"] = gettext_noop(
            "Give a share between 0 and 1, both excluded (0.8 for 80%)."
        )
    if not math.isfinite(shrinkage) or not 0 <= shrinkage < 1:
        errors["shrinkage"] = gettext_noop(
            "Give a share from 0 up to but excluding 1 (0.3 for 30%)."
        )
    if errors:
        raise ErlangInputError(errors)


def erlang_c(
    *,
    arrivals: float,
    interval_seconds: float,
    aht_seconds: float,
    target_seconds: float,
    target_level: float,
    shrinkage: float = 0.0,
) -> ErlangResult:
    """The smallest N > A whose service level reaches `target_level`, with that N's figures and
    the people to schedule after `shrinkage`. Raises ErlangInputError naming each bad field:
    arrivals, interval and AHT must be positive, the target time 0 or more, the target level in
    (0, 1) and shrinkage in [0, 1)."""
    _validate(arrivals, interval_seconds, aht_seconds, target_seconds, target_level, shrinkage)
    traffic = traffic_intensity(arrivals, interval_seconds, aht_seconds)
    # 1e300 * 1e300 is infinite; anything past MAX_AGENTS Erlangs cannot be staffed within it.
    if not math.isfinite(traffic) or math.floor(traffic) + 1 > MAX_AGENTS:
        raise ErlangInputError({"arrivals": _TOO_MANY})
    agents = math.floor(traffic) + 1
    # Erlang B carried along as N grows (one step of the recurrence per extra agent) rather
    # than recomputed from B(0) for every N, which made the search quadratic.
    b = erlang_b(agents, traffic)
    while _level_from_b(agents, traffic, b, aht_seconds, target_seconds) < target_level:
        agents += 1
        if agents > MAX_AGENTS:
            raise ErlangInputError({"arrivals": _TOO_MANY})
        b = traffic * b / (agents + traffic * b)
    return figures(
        agents=agents,
        traffic=traffic,
        aht_seconds=aht_seconds,
        target_seconds=target_seconds,
        shrinkage=shrinkage,
    )


def figures(
    *, agents: int, traffic: float, aht_seconds: float, target_seconds: float, shrinkage: float
) -> ErlangResult:
    """The figures of a given N (N > A) for the traffic."""
    return ErlangResult(
        agents=agents,
        agents_with_shrinkage=agents_after_shrinkage(agents, shrinkage),
        traffic_erlangs=traffic,
        probability_of_waiting=probability_of_waiting(agents, traffic),
        service_level=service_level(agents, traffic, aht_seconds, target_seconds),
        average_speed_of_answer_seconds=average_speed_of_answer(agents, traffic, aht_seconds),
        occupancy=traffic / agents,
    )
