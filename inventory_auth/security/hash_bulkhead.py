"""Admission of password hashes: a queue per worker bounded by the time a request would wait.

One password hash costs ~150 ms of a core. Each worker hashes at most `PASSWORD_HASH_CONCURRENCY`
passwords at once (default: the cores; hashing releases the GIL, so more would only share the
same cores). A request that needs a hash while those slots are busy queues for one, in its own
gunicorn thread, if the time it would wait — its place in the queue × the measured time a slot is
held ÷ the slots — is within `PASSWORD_HASH_WAIT_SECONDS`: a classroom behind one address is
served as fast as the cores allow, instead of being turned away by a small count. Beyond that
bound it is refused at once (`HashingBusy`: 503 with `Retry-After`, the seconds until the queue
would admit it), so no connection waits for an answer that cannot come in time. A queued request
that still waits after `PASSWORD_HASH_WAIT_SECONDS` (the estimate was wrong: the machine slowed
down) gives up the same way.

The queue is also bounded by a count, `PASSWORD_HASH_QUEUE` (default: the worker's threads less
the running slots less `FREE_THREADS`), so that a full queue always leaves threads for readiness,
GET /me and refresh, which never hash.

The slot is taken by the domain around the hash itself (`slot()`), after the cheap checks (the
lockout, the email, the reset token, the password policy) and after the request has given back
its database connection: a request waiting here holds nothing but its thread. Only requests
bound to a web request are counted; the command line is not bounded.
`PASSWORD_HASH_CONCURRENCY=0` turns the bound off.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context

from ..exceptions import HashingBusy

EXTENSION_KEY = "inventory_auth.hash_bulkhead"
# What a slot is assumed to be held before anything was measured: a production hash on a busy
# core (the estimate follows the measured holds from the first one on).
FIRST_HOLD_SECONDS = 0.3
SMOOTHING = 0.2  # weight of the newest hold in the running mean
MAX_RETRY_AFTER = 30


class Bulkhead:
    """`running` slots, and a queue admitted by its expected wait (`wait_seconds`) and count
    (`queue`). `clock` is injectable for tests."""

    def __init__(self, running: int, queue: int, wait_seconds: float, clock=time.monotonic):
        self.running = running
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.clock = clock
        self._condition = threading.Condition()
        self._busy = 0  # slots held
        self._waiting = 0  # requests queued for a slot
        self.mean_hold = FIRST_HOLD_SECONDS

    def _queue_wait(self) -> float:
        """Seconds a newcomer would wait (lock held): the rounds of `running` slots that the
        requests queued ahead of it take, plus its own turn's, × the mean hold."""
        return (self._waiting // self.running + 1) * self.mean_hold

    def expected_wait(self) -> float:
        with self._condition:
            if self._busy < self.running and not self._waiting:
                return 0.0
            return self._queue_wait()

    def _refusal(self, wait: float) -> HashingBusy:
        # When the queue will have drained enough to admit a newcomer again.
        seconds = math.ceil(max(wait - self.wait_seconds, self.mean_hold))
        return HashingBusy(max(1, min(MAX_RETRY_AFTER, seconds)))

    def enter(self) -> None:
        """Take a slot, queueing for it if the wait is within the bound; else HashingBusy."""
        with self._condition:
            if self._busy < self.running and not self._waiting:
                self._busy += 1
                return
            wait = self._queue_wait()
            if wait > self.wait_seconds or self._waiting >= self.queue:
                raise self._refusal(wait)
            self._waiting += 1
            deadline = self.clock() + self.wait_seconds
            try:
                while self._busy >= self.running:
                    left = deadline - self.clock()
                    if left <= 0:
                        raise self._refusal(self._queue_wait())
                    self._condition.wait(left)
            finally:
                self._waiting -= 1
            self._busy += 1

    def leave(self, held: float) -> None:
        with self._condition:
            self._busy -= 1
            self.mean_hold += (held - self.mean_hold) * SMOOTHING
            self._condition.notify()

    @contextmanager
    def held(self) -> Iterator[None]:
        self.enter()
        started = self.clock()
        try:
            yield
        finally:
            self.leave(self.clock() - started)

    def state(self) -> tuple[int, int]:
        """(slots held, requests queued), for tests and logs."""
        with self._condition:
            return self._busy, self._waiting


def init_app(app) -> None:
    running = app.config["PASSWORD_HASH_CONCURRENCY"]
    app.extensions[EXTENSION_KEY] = (
        Bulkhead(running, app.config["PASSWORD_HASH_QUEUE"], app.config["PASSWORD_HASH_WAIT_SECONDS"])
        if running else None
    )


@contextmanager
def slot() -> Iterator[None]:
    """Hold one of this worker's hashing slots around a password hash or check; HashingBusy if
    the wait for one would exceed the bound. A no-op outside a web request or with the bound off.
    Take it only after the cheap checks, and with no database connection held."""
    bulkhead = current_app.extensions.get(EXTENSION_KEY) if has_request_context() else None
    if bulkhead is None:
        yield
        return
    with bulkhead.held():
        yield
