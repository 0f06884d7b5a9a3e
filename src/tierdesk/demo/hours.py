"""Business hours of the support teams and of customers, and how long someone takes to act when
they only act within their hours."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from tierdesk.accounts.choices import Region

DAY = 86_400
HOUR = 3_600
# 1970-01-01 was a Thursday: shifting by three days makes hour 0 of the week Monday 00:00 UTC.
_EPOCH_WEEK_SHIFT = 3 * 24

# For each UTC hour of the week (Monday 00:00 = 0): whole hours until the next open hour.
WaitTable = list[int]


def _wait_table(is_open: Callable[[int, int], bool]) -> WaitTable:
    opened = [is_open(h // 24, h % 24) for h in range(168)]
    table = []
    for h in range(168):
        wait = 0
        while not opened[(h + wait) % 168]:
            wait += 1
        table.append(wait)
    return table


def _local_hours(offset_hours: int, first: int, last: int, weekend: tuple[int, int] | None = None):
    def is_open(day: int, hour: int) -> bool:
        local = (day * 24 + hour + offset_hours) % 168
        local_day, local_hour = divmod(local, 24)
        if local_day < 5:
            return first <= local_hour < last
        return weekend is not None and weekend[0] <= local_hour < weekend[1]

    return is_open


# Support teams in UTC, roughly: follow-the-sun for English, home hours for Japanese and Russian.
TEAM_HOURS = {
    "Tier 1 / English": _wait_table(_local_hours(0, 7, 22, weekend=(10, 16))),
    "Tier 1 / Japanese": _wait_table(_local_hours(9, 9, 18)),
    "Tier 1 / Russian": _wait_table(_local_hours(3, 9, 19)),
    "back_line": _wait_table(_local_hours(0, 0, 20)),
    "engineering": _wait_table(_local_hours(0, 7, 17)),
    "always": [0] * 168,
}
# Customers answer in their own office hours (standard offsets; daylight saving is noise here).
REGION_OFFSET = {
    Region.JAPAN: 9,
    Region.RUSSIA: 3,
    Region.EMEA: 0,
    Region.AMERICAS: -5,
    Region.APAC: 8,
}
CUSTOMER_HOURS = {
    region: _wait_table(_local_hours(offset, 8, 19)) for region, offset in REGION_OFFSET.items()
}


class Clock:
    """When people act: response times drawn from the desk's random stream, pushed into the
    hours of whoever acts."""

    __slots__ = ("rng",)

    def __init__(self, rng: random.Random):
        self.rng = rng

    def open_at(self, hours: WaitTable, ts: int) -> int:
        """`ts` if the team (or customer) works then, else a little after their next opening."""
        hour = ts // HOUR
        wait = hours[(hour + _EPOCH_WEEK_SHIFT) % 168]
        if wait == 0:
            return ts
        return (hour + wait) * HOUR + int(self.rng.random() * 1_200)

    def later(self, hours: WaitTable, ts: int, median: float, sigma: float = 0.9) -> int:
        """A reaction to something at `ts`: a log-normal delay around `median`, within `hours`."""
        return self.open_at(hours, ts + 60 + int(self.rng.lognormvariate(math.log(median), sigma)))
