"""Worker tasks of inbound mail: processing stored messages in batches, and a sweep for messages
whose queued task was lost.

A stored message queues a drain (queue_processing), which processes every message waiting, in
batches (intake.inbound_process_pending). While a drain is queued and has not started, storing
more mail queues nothing: that drain takes it too. In a worker process one thread drains at a
time; a task arriving meanwhile asks that thread to look once more before it stops, and returns
at once. Drains of other worker processes may take the same messages: each is processed once
all the same, under its row lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from huey import crontab
from huey.constants import EmptyData
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

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

# The mark of a drain queued and not started yet, in the queue's own storage (shared by every
# process that stores mail and every worker), holding when it was queued. A mark older than
# QUEUED_FRESH_SECONDS is taken for a drain lost on the way (a worker stopped between taking
# the task and starting it), and another is queued.
QUEUED_KEY = "mail.inbound.drain-queued"
QUEUED_FRESH_SECONDS = 30


def queue_processing(inbound_id: int) -> bool:
    """Queues a drain for a message just stored (call it after the commit), unless a drain is
    queued that has not started: that one takes the message too. Returns whether it queued."""
    storage = HUEY.storage
    now = time.time()
    mark = storage.peek_data(QUEUED_KEY)
    if mark is not EmptyData and now - _queued_at(mark) < QUEUED_FRESH_SECONDS:
        return False
    # Marked before queueing: a drain that starts between the two clears the mark and takes
    # the message. The other order could leave a mark with no drain queued behind it, and the
    # next messages would wait for the mark to go stale.
    storage.put_data(QUEUED_KEY, repr(now).encode())
    try:
        process_inbound(inbound_id)
    except Exception:
        storage.pop_data(QUEUED_KEY)
        raise
    return True


def _queued_at(mark: bytes) -> float:
    try:
        return float(mark)
    except (TypeError, ValueError):
        return 0.0


@db_task()
def process_inbound(inbound_id: int) -> None:
    """Processes the waiting messages, the stored message `inbound_id` among them."""
    # Cleared before looking: a message stored from now on queues a drain of its own.
    HUEY.storage.pop_data(QUEUED_KEY)
    _drain.request()


@db_periodic_task(crontab(minute="*"))
def process_stale_inbound() -> int:
    """Processes messages still waiting well after they arrived."""
    return inbound_process_stale()
