"""The threads a worker serves requests on: many of them, few running at once.

A worker needs many threads because a request that waits (for a password hashing slot, or out a
failed login's padding) waits in its thread: a class of 40 logging in at once is 40 threads
(security/hash_bulkhead.py). But many requests *running* at once only contend, for the GIL and
for the pooled database connections, and every hand-over is a thread put to sleep and woken. Under
GET /me on 256 connections, 64 threads running cost each request 21 thread switches and ~30% more
CPU than 16 (docs/benchmarks.md, "Running threads").

So `RequestThreads` keeps two numbers: up to `threads` threads, of which at most `running` run a
request at once. The other requests wait in its queue, where waiting costs nothing: a thread that
ends a request takes the next one without sleeping. A request about to wait says so (`waiting()`):
while it waits it does not count as running, and another request runs in its place.

It has the interface of `concurrent.futures.ThreadPoolExecutor` that gunicorn's worker uses
(`submit`, `shutdown`); worker.py hands it to the worker. Its threads are daemon threads: a worker
that exits (after its graceful timeout) does not wait for a request still stuck in one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager

_current = threading.local()  # .pool: the RequestThreads whose request this thread runs


class RequestThreads:
    """At most `threads` threads, at most `running` of them running a request at once; the
    requests run in the order they were submitted."""

    def __init__(self, threads: int, running: int):
        if not 1 <= running <= threads:
            raise ValueError(f"running must be from 1 to threads ({threads}), got {running}")
        self.threads = threads
        self.running = running
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._queue: deque = deque()  # (future, fn, args)
        self._threads: list[threading.Thread] = []
        self._sleeping = 0  # threads waiting for work, not woken
        self._waking = 0  # threads woken or started to take work, not there yet
        self._active = 0  # requests running (not a waiting one)
        self._shut = False

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        with self._lock:
            if self._shut:
                raise RuntimeError("cannot submit after shutdown")
            self._queue.append((future, fn, args))
            self._dispatch()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more requests; idle threads end, queued requests still run unless cancelled."""
        with self._lock:
            self._shut = True
            if cancel_futures:
                while self._queue:
                    self._queue.popleft()[0].cancel()
            self._waking += self._sleeping
            self._sleeping = 0
            self._work.notify_all()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()

    def state(self) -> dict:
        """{"threads", "running", "queued"}: for tests."""
        with self._lock:
            return {"threads": len(self._threads), "running": self._active, "queued": len(self._queue)}

    def step_aside(self) -> None:
        with self._lock:
            self._active -= 1
            self._dispatch()

    def step_back(self) -> None:
        # At once, even past `running`: the request has waited its turn already.
        with self._lock:
            self._active += 1

    def _dispatch(self) -> None:
        """Wake, or start, one thread per request that may run now. Lock held."""
        for _ in range(min(len(self._queue), self.running - self._active) - self._waking):
            if self._sleeping:
                self._sleeping -= 1
                self._waking += 1
                self._work.notify()
            elif len(self._threads) < self.threads:
                self._waking += 1
                thread = threading.Thread(target=self._serve, name=f"request-{len(self._threads) + 1}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                return

    def _take(self):
        """The next request, once one may run (None at shutdown). Lock held; the caller was
        counted in `_waking`."""
        self._waking -= 1
        while not (self._queue and self._active < self.running):
            if self._shut:
                return None
            self._sleeping += 1
            self._work.wait()
            self._waking -= 1  # whoever woke this thread counted it
        self._active += 1
        return self._queue.popleft()

    def _serve(self) -> None:
        _current.pool = self
        with self._lock:
            item = self._take()
        while item is not None:
            future, fn, args = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as error:  # noqa: BLE001 (the future carries it, as in the executor)
                    future.set_exception(error)
            del item, future, fn, args  # nothing of a request outlives it in this thread
            with self._lock:
                self._active -= 1
                self._waking += 1  # this thread takes the next request itself, without sleeping
                item = self._take()
        with self._lock:
            self._threads.remove(threading.current_thread())


@contextmanager
def waiting() -> Iterator[None]:
    """Around a wait that holds a request's thread with nothing to run (a hashing slot, a failed
    check's padding, a silent new connection): another request runs meanwhile. Outside
    `RequestThreads` (the development server, the tests' client, the command line) it does
    nothing."""
    pool = getattr(_current, "pool", None)
    if pool is None:
        yield
        return
    pool.step_aside()
    try:
        yield
    finally:
        pool.step_back()
