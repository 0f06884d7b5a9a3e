"""The spells of many tickets worked out at once from their spell changes, with the rules
measures.facts applies ticket by ticket: which spells start in each period (and when the
ticket's previous one ended), and how many tickets are open at each instant, by age."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from tierdesk.measures import facts as f

MICROS = 1_000_000
LASTING = np.iinfo(np.int64).max  # the finish of a spell that has not ended
# The upper limits of the age classes but the last, in microseconds.
AGE_LIMITS = np.array(
    [limit * 86_400 * MICROS for _label, limit in f.AGE_BUCKETS if limit is not None],
    dtype=np.int64,
)


@dataclass
class Tickets:
    """Each ticket's id, creation (microseconds since the epoch), whether it was done at the
    first bound (1: solved or closed; 0: open, or created since) and the key it counts under
    (an index into `keys`)."""

    ids: np.ndarray
    created: np.ndarray
    done: np.ndarray
    key_index: np.ndarray
    keys: list[Any]


@dataclass
class Changes:
    """Spell changes in the periods: ticket, time, event id (orders changes at one time) and
    whether the ticket is done after it (1: into solved or closed; 0: out of solved)."""

    tickets: np.ndarray
    at: np.ndarray
    events: np.ndarray
    done: np.ndarray


@dataclass
class Spells:
    """The spells that were open at some time in the periods."""

    start: np.ndarray
    finish: np.ndarray  # LASTING while it lasts
    prev_end: np.ndarray  # the end of the ticket's previous spell, LASTING if none in the periods
    created: np.ndarray
    keys: np.ndarray  # index into Tickets.keys


def spells_of(tickets: Tickets, changes: Changes) -> Spells:
    """Each ticket's marks in time order, its creation first (in its state at the first
    bound), then its changes: a mark that flips the state ends a spell (done) or starts one."""
    mine = np.isin(changes.tickets, tickets.ids)
    ticket = np.concatenate([tickets.ids, changes.tickets[mine]])
    at = np.concatenate([tickets.created, changes.at[mine]])
    event = np.concatenate([np.zeros(len(tickets.ids), np.int64), changes.events[mine]])
    done = np.concatenate([tickets.done, changes.done[mine]])
    source = np.arange(len(ticket))
    # The creation first, as measures.facts reads a history: from its start, every change
    # in time order (one recorded before the creation too).
    creation_last = (event != 0).astype(np.int64)
    order = np.lexsort((event, at, creation_last, ticket))
    ticket, at, event, done, source = (a[order] for a in (ticket, at, event, done, source))

    first = np.ones(len(ticket), dtype=bool)
    first[1:] = ticket[1:] != ticket[:-1]
    group = np.cumsum(first) - 1
    heads = np.flatnonzero(first)
    before = np.ones(len(done), dtype=done.dtype)
    before[1:] = done[:-1]
    before[first] = 1  # done before the creation: the creation mark starts a spell if open
    flips = done != before

    flip_ticket, flip_at, flip_done = ticket[flips], at[flips], done[flips]
    flip_group = group[flips]
    next_same = np.zeros(len(flip_ticket), dtype=bool)
    next_same[:-1] = flip_ticket[1:] == flip_ticket[:-1]
    finish = np.full(len(flip_ticket), LASTING, dtype=np.int64)
    finish[:-1][next_same[:-1]] = flip_at[1:][next_same[:-1]]
    prev_end = np.full(len(flip_ticket), LASTING, dtype=np.int64)
    prev_end[1:][next_same[:-1]] = flip_at[:-1][next_same[:-1]]

    starts = flip_done == 0
    spell_group = flip_group[starts]
    return Spells(
        start=flip_at[starts],
        finish=finish[starts],
        prev_end=prev_end[starts],
        created=at[heads][spell_group],
        keys=tickets.key_index[source[heads][spell_group]],
    )


def opened(spells: Spells, bounds: np.ndarray, keys: int) -> Counter:
    """Spells starting in the periods, per (period, period the previous spell ended in (-1
    before the first bound or none), key index)."""
    inside = (spells.start >= bounds[0]) & (spells.start < bounds[-1])
    period = np.searchsorted(bounds, spells.start[inside], side="right") - 1
    prev = spells.prev_end[inside]
    before = np.where(prev == LASTING, -1, np.searchsorted(bounds, prev, side="right") - 1)
    periods = len(bounds)  # -1 to n - 1 for the previous end: n + 1 values
    code = (period * periods + before + 1) * keys + spells.keys[inside]
    return Counter(
        {
            (c // keys // periods, c // keys % periods - 1, c % keys): int(n)
            for c, n in enumerate(np.bincount(code, minlength=1))
            if n
        }
    )


def open_at(spells: Spells, instants: np.ndarray, keys: int) -> Counter:
    """Tickets open at each instant (after the spell's start, at or before its finish), per
    (instant index, age class, key index)."""
    out: Counter = Counter()
    first = np.searchsorted(instants, spells.start, side="right")
    last = np.searchsorted(instants, spells.finish, side="right") - 1
    classes = len(AGE_LIMITS) + 1
    for k, instant in enumerate(instants):
        inside = (first <= k) & (last >= k)
        ages = np.searchsorted(AGE_LIMITS, instant - spells.created[inside], side="right")
        counts = np.bincount(ages * keys + spells.keys[inside], minlength=classes * keys)
        for code in np.flatnonzero(counts):
            out[k, int(code // keys), int(code % keys)] = int(counts[code])
    return out
