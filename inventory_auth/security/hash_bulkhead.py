"""Admission of password hashes: a fair queue per worker, bounded by the time a request would wait.

One password hash costs ~150 ms of a core. Each worker hashes at most `PASSWORD_HASH_CONCURRENCY`
passwords at once (default: the cores; hashing releases the GIL, so more would only share the
same cores). A request that needs a hash while those slots are busy queues for one, in its own
gunicorn thread:

- **Fair between addresses.** Each client address has its own line, and a freed slot goes to the
  lines in turn (round robin), so that one address with forty requests queued (a class behind
  the lab's NAT, or a flood) delays a login from elsewhere by about one hash, not by forty.
  Within one address, first come, first served.
- **Bounded by the wait, not by a small count.** A request is queued if the time it would wait —
  the requests served before it (its own line ahead of it, and as many of each other line) ÷ the
  slots × the measured time a slot is held — is within `PASSWORD_HASH_WAIT_SECONDS`: a class of
  40 is served as fast as the cores allow. Beyond that bound it is refused at once
  (`HashingBusy`: 503 with `Retry-After`, the seconds until the queue would admit it), so no
  connection waits for an answer that cannot come in time. When the measured hold grows (the
  machine slowed down), the queued requests that would now be served after that bound are
  refused the same way as soon as that is known; one still waiting after the bound gives up.
- **Bounded by a count that leaves threads free.** At most `PASSWORD_HASH_QUEUE` requests wait
  (default: the worker's threads less the running slots less `FREE_THREADS`), so readiness,
  GET /me and refresh, which never hash, always find a thread. When the queue is full, a
  newcomer whose address has fewer requests queued than the longest line takes the place of
  that line's last request, which is refused (503): a flood cannot fill the queue against
  everyone else.

The slot is taken by the domain around the hash itself (`slot()`), after the cheap checks (the
failure budget, the lockout, the email, the reset token, the password policy) and after the
request has given back its database connection: a request waiting here holds nothing but its
thread, and while it waits or hashes it does not count among the worker's running requests
(server/request_threads.py). Only web requests are counted; the command line is not bounded.
`PASSWORD_HASH_CONCURRENCY=0` turns the bound off.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context, request

from ..config import settings
from ..exceptions import HashingBusy
from ..server.request_threads import waiting

EXTENSION_KEY = "inventory_auth.hash_bulkhead"
# What a slot is assumed to be held before anything was measured: a production hash on a busy
# core (the estimate follows the measured holds from the first one on).
FIRST_HOLD_SECONDS = 0.3
SMOOTHING = 0.2  # weight of the newest hold in the running mean
MAX_RETRY_AFTER = 30


class _Waiter:
    __slots__ = ("address", "deadline", "granted", "refused", "wakeup")

    def __init__(self, address: str, lock: threading.Lock, deadline: float):
        self.address = address
        self.deadline = deadline
        self.granted = False
        self.refused: HashingBusy | None = None
        self.wakeup = threading.Condition(lock)


class Bulkhead:
    """`running` slots; per-address lines served in turn, admitted by their expected wait
    (`wait_seconds`) and total count (`queue`). `clock` is injectable for tests."""

    def __init__(self, running: int, queue: int, wait_seconds: float, clock=time.monotonic):
        self.running = running
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._busy = 0  # slots held
        self._lines: dict[str, deque[_Waiter]] = {}  # address -> its queued requests, in order
        self._turns: deque[str] = deque()  # addresses with a line, in the order they are served
        self._waiting = 0
        self.mean_hold = FIRST_HOLD_SECONDS

    # --- estimates (lock held) ---

    def _ahead(self, address: str) -> int:
        """Requests served before a newcomer from `address`: its own line, and from each other
        line as many as its own line will have by its turn."""
        own = len(self._lines.get(address, ()))
        return own + sum(min(len(line), own + 1) for other, line in self._lines.items() if other != address)

    def _wait(self, ahead: int) -> float:
        return (ahead // self.running + 1) * self.mean_hold

    def _refusal(self, wait: float) -> HashingBusy:
        # When the queue will have drained enough to admit a newcomer again.
        seconds = math.ceil(max(wait - self.wait_seconds, self.mean_hold))
        return HashingBusy(max(1, min(MAX_RETRY_AFTER, seconds)))

    def expected_wait(self, address: str = "") -> float:
        """Seconds a newcomer from `address` would wait for a slot now (0: one is free)."""
        with self._lock:
            if self._busy < self.running and not self._waiting:
                return 0.0
            return self._wait(self._ahead(address))

    # --- the queue (lock held) ---

    def _append(self, waiter: _Waiter) -> None:
        line = self._lines.get(waiter.address)
        if line is None:
            line = self._lines[waiter.address] = deque()
            self._turns.append(waiter.address)
        line.append(waiter)
        self._waiting += 1

    def _remove(self, waiter: _Waiter) -> None:
        line = self._lines[waiter.address]
        line.remove(waiter)
        self._waiting -= 1
        if not line:
            del self._lines[waiter.address]
            self._turns.remove(waiter.address)

    def _next(self) -> _Waiter | None:
        """The next request to serve: the first of the next line in turn."""
        if not self._turns:
            return None
        address = self._turns.popleft()
        line = self._lines[address]
        waiter = line.popleft()
        self._waiting -= 1
        if line:
            self._turns.append(address)  # its next request waits for the others' turn
        else:
            del self._lines[address]
        return waiter

    def _longest(self) -> str | None:
        return max(self._lines, key=lambda a: len(self._lines[a]), default=None)

    def _refuse_last_of(self, address: str) -> None:
        victim = self._lines[address][-1]
        self._remove(victim)
        victim.refused = self._refusal(self._wait(self._waiting))
        victim.wakeup.notify()

    def _push_out(self, address: str) -> bool:
        """Make room for a newcomer from `address` by refusing the last request of the longest
        line, if that line is longer than the newcomer's would be."""
        longest = self._longest()
        if longest is None or len(self._lines[longest]) <= len(self._lines.get(address, ())) + 1:
            return False
        self._refuse_last_of(longest)
        return True

    def _refuse_the_hopeless(self) -> None:
        """When the measured hold grows (the machine got slower), refuse at once the requests
        served last (the tail of the longest line) that would now be served after their deadline,
        instead of letting them wait out the bound for a 503 anyway."""
        now = self.clock()
        while self._waiting:
            longest = self._longest()
            last = self._lines[longest][-1]
            if now + self._wait(self._waiting - 1) <= last.deadline:
                return
            self._refuse_last_of(longest)

    # --- entering and leaving ---

    def enter(self, address: str = "") -> None:
        """Take a slot, queueing for it if the wait is within the bounds; else HashingBusy."""
        with self._lock:
            if self._busy < self.running and not self._waiting:
                self._busy += 1
                return
            wait = self._wait(self._ahead(address))
            if wait > self.wait_seconds:
                raise self._refusal(wait)
            if self._waiting >= self.queue and not self._push_out(address):
                raise self._refusal(wait)
            waiter = _Waiter(address, self._lock, self.clock() + self.wait_seconds)
            self._append(waiter)
            while not waiter.granted:
                if waiter.refused is not None:
                    raise waiter.refused
                left = waiter.deadline - self.clock()
                if left <= 0:
                    self._remove(waiter)
                    raise self._refusal(self._wait(self._waiting))
                waiter.wakeup.wait(left)
            # Granted: the slot was handed over by `leave` (the busy count did not change).

    def leave(self, held: float) -> None:
        with self._lock:
            self.mean_hold += (held - self.mean_hold) * SMOOTHING
            waiter = self._next()
            self._refuse_the_hopeless()
            if waiter is None:
                self._busy -= 1
                return
            waiter.granted = True  # the slot passes to it directly
            waiter.wakeup.notify()

    @contextmanager
    def held(self, address: str = "") -> Iterator[None]:
        self.enter(address)
        started = self.clock()
        try:
            yield
        finally:
            self.leave(self.clock() - started)

    def state(self) -> tuple[int, int]:
        """(slots held, requests queued), for tests and logs."""
        with self._lock:
            return self._busy, self._waiting


def init_app(app) -> None:
    running = settings(app).PASSWORD_HASH_CONCURRENCY
    app.extensions[EXTENSION_KEY] = (
        Bulkhead(running, settings(app).PASSWORD_HASH_QUEUE, settings(app).PASSWORD_HASH_WAIT_SECONDS)
        if running else None
    )


@contextmanager
def slot() -> Iterator[None]:
    """Hold one of this worker's hashing slots around a password hash or check, queued in the
    client address's line; HashingBusy if the wait would exceed the bounds. A no-op outside a web
    request or with the bound off. Take it only after the cheap checks, and with no database
    connection held."""
    bulkhead = current_app.extensions.get(EXTENSION_KEY) if has_request_context() else None
    if bulkhead is None:
        yield
        return
    # Queued or hashing (which releases the GIL), the request is not among the worker's running
    # ones (server/request_threads.py): another runs in its place.
    with waiting(), bulkhead.held(request.remote_addr or ""):
        yield
