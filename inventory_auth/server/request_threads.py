"""The threads a worker serves requests on: many of them, few running at once.

A worker needs many threads because a request that waits (for a password hashing slot, or out a
failed login's padding) waits in its thread: a class of 40 logging in at once is 40 threads
(security/hash_bulkhead.py). But many requests *running* at once only contend, for the GIL and for
the pooled database connections, and every hand-over is a thread put to sleep and woken again
(docs/benchmarks.md, "Running threads").

So `RequestThreads` keeps two numbers: up to `threads` threads, of which `running` hold a *place*
and take requests from the worker's queue, one after another, as the stock executor's threads do.
Waiting in that queue costs nothing: a thread that ends a request takes the next one without
sleeping. A request about to wait says so (`waiting()`): its thread gives its place to a parked
thread (or a new one, up to `threads`), which takes the next request meanwhile. The waiting
request, once its wait is over, finishes without a place (so the requests running may exceed
`running` by those back from a wait), and then its thread parks until a place is free.

It has the interface of `concurrent.futures.ThreadPoolExecutor` that gunicorn's worker uses
(`submit`, `shutdown`); worker.py hands it to the worker. The threads are daemon threads: a worker
that exits (after its graceful timeout) does not wait for a request stuck in one.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager

_current = threading.local()  # .pool: the RequestThreads this thread serves; .placed: holds a place
_STOP = None  # on the queue at shutdown: each thread that takes it puts it back, and ends


class RequestThreads:
    """At most `threads` threads, `running` of them taking requests in the order they came."""

    def __init__(self, threads: int, running: int):
        if not 1 <= running <= threads:
            raise ValueError(f"running must be from 1 to threads ({threads}), got {running}")
        self.threads = threads
        self.running = running
        self._queue: queue.SimpleQueue = queue.SimpleQueue()  # (future, fn, args), then _STOP
        self._lock = threading.Lock()  # below: only for handing places over, never per request
        self._threads: list[threading.Thread] = []
        self._parked: deque[threading.Lock] = deque()  # each parked thread blocks on its lock
        self._places = 0  # places made so far (by the first requests), `running` at most
        self._free = 0  # places given up with no thread to take them yet
        self._shut = False

    def submit(self, fn, *args) -> Future:
        if self._shut:
            raise RuntimeError("cannot submit after shutdown")
        if self._places < self.running:  # the first requests make the places, a thread each
            with self._lock:
                if self._places < self.running:
                    self._places += 1
                    if not self._start():
                        self._free += 1  # for the next thread that looks for one
        future: Future = Future()
        self._queue.put((future, fn, args))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more requests; queued ones still run unless cancelled, then the threads end."""
        with self._lock:
            self._shut = True
            threads = list(self._threads)
            parked, self._parked = self._parked, deque()
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not _STOP:
                    item[0].cancel()
        self._queue.put(_STOP)
        for lock in parked:
            lock.release()
        if wait:
            for thread in threads:
                thread.join()

    def state(self) -> dict:
        """{"threads", "parked", "queued"}: for tests."""
        with self._lock:
            return {"threads": len(self._threads), "parked": len(self._parked),
                    "queued": self._queue.qsize()}

    # --- places ---

    def _start(self) -> bool:
        """A new thread, with a place; False if the system refused a thread. Lock held."""
        thread = threading.Thread(target=self._serve, name=f"request-{len(self._threads) + 1}",
                                  daemon=True)
        try:
            thread.start()
        except RuntimeError:
            return False
        self._threads.append(thread)
        return True

    def give_place(self) -> None:
        """The calling thread's place, to a parked thread, a new one, or the next to free up."""
        _current.placed = False
        with self._lock:
            if self._shut:
                return
            if self._parked:
                self._parked.popleft().release()
            elif len(self._threads) >= self.threads or not self._start():
                self._free += 1

    def _take_place(self) -> bool:
        """Block until this thread has a place again; False at shutdown."""
        with self._lock:
            if self._shut:
                return False
            if self._free:
                self._free -= 1
                _current.placed = True
                return True
            parked = threading.Lock()
            parked.acquire()
            self._parked.append(parked)
        parked.acquire()  # released by give_place (a place) or shutdown
        _current.placed = not self._shut
        return _current.placed

    def _serve(self) -> None:
        _current.pool = self
        _current.placed = True
        take = self._queue.get
        while _current.placed or self._take_place():
            item = take()
            if item is _STOP:
                self._queue.put(_STOP)  # for the next thread
                break
            future, fn, args = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as error:  # noqa: BLE001 (the future carries it, as in the executor)
                    future.set_exception(error)
            del item, future, fn, args  # nothing of a request outlives it in this thread
        with self._lock:
            self._threads.remove(threading.current_thread())


@contextmanager
def waiting() -> Iterator[None]:
    """Around a wait that holds a request's thread with nothing to run (a hashing slot, a failed
    check's padding, a silent new connection): another thread takes requests meanwhile. Outside
    `RequestThreads` (the development server, the tests' client, the command line), or in a
    request that has given its place already, it does nothing."""
    pool = getattr(_current, "pool", None)
    if pool is not None and _current.placed:
        pool.give_place()
    yield
