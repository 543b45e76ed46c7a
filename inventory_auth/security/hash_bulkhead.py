"""A bulkhead for the requests that hash a password: login, registration, password change.

One password hash costs ~150 ms of a core. gunicorn's threaded worker hands every request to a
pool of threads (16 by default) in arrival order, so during a login surge every thread holds a
login, new requests queue behind them, and the cheap ones (readiness, GET /me, refresh) wait
seconds for a thread: a load balancer's 5 s probe timed out and took the instance out of
rotation. A semaphore around the hash alone does not help: a login waiting for the semaphore
still holds its thread (docs/benchmarks.md, "Login surge", measures both).

So each worker process admits at most `PASSWORD_HASH_CONCURRENCY` such requests running plus
`PASSWORD_HASH_QUEUE` waiting; the next one is refused at once (`HashingBusy`: 503 with
`Retry-After`), costing a millisecond, and a request already waiting gives up after
`PASSWORD_HASH_WAIT_SECONDS`. The other threads stay free for the cheap requests. The default,
as many running as the machine has cores, keeps the cores busy (hashing releases the GIL); the
queue keeps them busy between two hashes. `PASSWORD_HASH_CONCURRENCY=0` turns the bulkhead off.

Admission happens before the view reads anything: a request waiting here holds no database
connection, no lockout reservation, nothing but its thread. The command line is not bounded.
"""

from __future__ import annotations

import functools
import math
import threading
import time

from flask import current_app

from ..config import settings
from ..exceptions import HashingBusy

EXTENSION_KEY = "inventory_auth.hash_bulkhead"


class Bulkhead:
    def __init__(self, running: int, queue: int, wait_seconds: float):
        self.running = running
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._semaphore = threading.BoundedSemaphore(running)
        self._lock = threading.Lock()
        self._admitted = 0  # running + waiting
        self._mean_hold = 0.15  # seconds a request holds its slot, smoothed

    def retry_after(self) -> int:
        """Seconds until a refused request may find room: the time to drain a full queue."""
        rounds = (self.running + self.queue) / self.running
        return max(1, min(30, math.ceil(rounds * self._mean_hold)))

    def enter(self) -> None:
        with self._lock:
            if self._admitted >= self.running + self.queue:
                raise HashingBusy(self.retry_after())
            self._admitted += 1
        if not self._semaphore.acquire(timeout=self.wait_seconds):
            with self._lock:
                self._admitted -= 1
            raise HashingBusy(self.retry_after())

    def leave(self, held: float) -> None:
        self._semaphore.release()
        with self._lock:
            self._admitted -= 1
            self._mean_hold += (held - self._mean_hold) * 0.1


def init_app(app) -> None:
    running = settings(app).PASSWORD_HASH_CONCURRENCY
    app.extensions[EXTENSION_KEY] = (
        Bulkhead(running, settings(app).PASSWORD_HASH_QUEUE, settings(app).PASSWORD_HASH_WAIT_SECONDS)
        if running else None
    )


def bounded(view):
    """Run `view` inside the worker's bulkhead (a decorator for the views that hash)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        bulkhead = current_app.extensions.get(EXTENSION_KEY)
        if bulkhead is None:
            return view(*args, **kwargs)
        bulkhead.enter()
        started = time.monotonic()
        try:
            return view(*args, **kwargs)
        finally:
            bulkhead.leave(time.monotonic() - started)

    return wrapper
