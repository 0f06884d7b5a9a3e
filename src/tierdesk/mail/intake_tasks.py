"""Worker tasks of inbound mail: processing stored messages in batches, and a sweep for messages
whose queued task was lost.

Each stored message queues a task, but a task processes every message waiting, in batches
(intake.inbound_process_pending): under load one run takes many messages, and the tasks of the
messages it took find nothing left. In a worker process one thread drains at a time; a task
arriving meanwhile asks that thread to look once more before it stops, and returns at once.
Tasks of other worker processes may take the same messages: each is processed once all the
same, under its row lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tierdesk.mail.intake import inbound_process_pending, inbound_process_stale


class Drain:
    """Runs `work` in one thread at a time, and once more after any request made while it ran:
    no request is lost between the last look and the end of a run."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.work = work
        self._running = threading.Lock()
        self._state = threading.Lock()
        self._wanted = False

    def request(self) -> bool:
        """Runs `work` until no request is left, unless another thread is running it (which then
        takes this request too). Returns whether this thread ran it."""
        with self._state:
            self._wanted = True
        ran = False
        while self._running.acquire(blocking=False):
            ran = True
            try:
                while self._take():
                    self.work()
            finally:
                self._running.release()
            with self._state:
                # A request that came after the last look but before the release: run again.
                if not self._wanted:
                    break
        return ran

    def _take(self) -> bool:
        with self._state:
            wanted, self._wanted = self._wanted, False
        return wanted


def drain_inbound() -> int:
    """Processes batches until no message is waiting (or none of them is this worker's to
    take); returns how many messages it processed."""
    total = 0
    while True:
        done = inbound_process_pending()
        total += done
        if not done:
            return total


_drain = Drain(drain_inbound)


@db_task()
def process_inbound(inbound_id: int) -> None:
    """Processes the waiting messages, the stored message `inbound_id` among them."""
    _drain.request()


@db_periodic_task(crontab(minute="*"))
def process_stale_inbound() -> int:
    """Processes messages still waiting well after they arrived."""
    return inbound_process_stale()
