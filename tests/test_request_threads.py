"""The threads a worker runs requests on (inventory_auth/server/request_threads.py): how many run
at once, how many threads there are, and a waiting request making room for another."""

from __future__ import annotations

import threading
import time

import pytest

from inventory_auth.server.request_threads import RequestThreads, waiting

TIMEOUT = 5


class Gate:
    """Requests that block until `open()`, recording how many ran at once."""

    def __init__(self):
        self.opened = threading.Event()
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.order: list[int] = []

    def request(self, number: int, *, aside: bool = False):
        def run():
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
                self.order.append(number)
            try:
                if aside:
                    with waiting():
                        assert self.opened.wait(TIMEOUT)
                else:
                    assert self.opened.wait(TIMEOUT)
            finally:
                with self.lock:
                    self.now -= 1
            return number

        return run

    def open(self):
        self.opened.set()


def eventually(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


@pytest.fixture
def pools():
    made = []

    def make(threads: int, running: int) -> RequestThreads:
        pool = RequestThreads(threads, running)
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.shutdown(wait=True, cancel_futures=True)


def test_at_most_running_requests_run_and_the_rest_wait_in_order(pools):
    pool, gate = pools(threads=8, running=2), Gate()
    futures = [pool.submit(gate.request(n)) for n in range(6)]
    eventually(lambda: gate.now == 2)
    time.sleep(0.05)  # room for a third to start, were it allowed to
    assert gate.now == 2 and pool.state() == {"threads": 2, "parked": 0, "queued": 4}
    gate.open()
    assert [f.result(TIMEOUT) for f in futures] == list(range(6))
    assert gate.most == 2
    assert gate.order[2:] == [2, 3, 4, 5]  # the queued ones in the order they came


def test_a_thread_that_ends_a_request_takes_the_next_without_another_thread(pools):
    pool = pools(threads=8, running=1)
    futures = [pool.submit(time.sleep, 0.001) for _ in range(30)]
    for future in futures:
        future.result(TIMEOUT)
    assert pool.state()["threads"] == 1


def test_a_waiting_request_lets_another_run_in_its_place(pools):
    pool, gate = pools(threads=4, running=1), Gate()
    waiting_one = pool.submit(gate.request(0, aside=True))
    eventually(lambda: gate.now == 1)
    assert pool.submit(lambda: "served").result(TIMEOUT) == "served"  # on the place it gave
    assert pool.state()["threads"] == 2
    gate.open()
    assert waiting_one.result(TIMEOUT) == 0
    eventually(lambda: pool.state()["parked"] == 1)  # its thread, placeless, parks
    assert pool.submit(lambda: "next").result(TIMEOUT) == "next"


def test_a_place_given_up_goes_to_a_parked_thread_before_a_new_one(pools):
    pool = pools(threads=4, running=1)
    first, second = Gate(), Gate()
    one = pool.submit(first.request(1, aside=True))
    eventually(lambda: pool.state()["threads"] == 2)
    first.open()
    assert one.result(TIMEOUT) == 1
    eventually(lambda: pool.state()["parked"] == 1)
    two = pool.submit(second.request(2, aside=True))
    eventually(lambda: second.now == 1)
    eventually(lambda: pool.state()["parked"] == 0)  # the parked thread took the place
    assert pool.state()["threads"] == 2
    assert pool.submit(lambda: "served").result(TIMEOUT) == "served"
    second.open()
    assert two.result(TIMEOUT) == 2


def test_without_stepping_aside_a_blocked_request_holds_its_place(pools):
    """The counterpart of the test above: what `waiting()` changes."""
    pool, gate = pools(threads=4, running=1), Gate()
    blocked = pool.submit(gate.request(0))
    eventually(lambda: gate.now == 1)
    behind = pool.submit(lambda: "served")
    time.sleep(0.1)
    assert not behind.done()
    gate.open()
    assert behind.result(TIMEOUT) == "served" and blocked.result(TIMEOUT) == 0


def test_threads_are_bounded_even_when_every_request_waits(pools):
    pool, gate = pools(threads=3, running=1), Gate()
    futures = [pool.submit(gate.request(n, aside=True)) for n in range(5)]
    eventually(lambda: gate.now == 3)
    time.sleep(0.05)
    assert gate.now == 3 and pool.state() == {"threads": 3, "parked": 0, "queued": 2}
    gate.open()
    assert sorted(f.result(TIMEOUT) for f in futures) == list(range(5))


def test_a_request_back_from_waiting_runs_at_once_even_past_the_bound(pools):
    pool, gate, back = pools(threads=4, running=1), Gate(), threading.Event()

    def waits_then_runs():
        with waiting():
            assert gate.opened.wait(TIMEOUT)
        back.set()
        return "back"

    first = pool.submit(waits_then_runs)
    eventually(lambda: pool.state()["threads"] == 2)  # its place went to a new thread
    release = threading.Event()
    holder = pool.submit(lambda: release.wait(TIMEOUT))  # which now holds the one place
    eventually(lambda: pool.state()["queued"] == 0)
    gate.open()
    assert back.wait(TIMEOUT)  # not held behind the request that runs now
    assert first.result(TIMEOUT) == "back"
    release.set()
    assert holder.result(TIMEOUT) is True


def test_a_failing_request_hands_its_exception_to_its_future_and_the_thread_goes_on(pools):
    pool = pools(threads=2, running=1)

    def fails():
        raise LookupError("no such thing")

    failed = pool.submit(fails)
    with pytest.raises(LookupError, match="no such thing"):
        failed.result(TIMEOUT)
    assert pool.submit(lambda: 7).result(TIMEOUT) == 7
    assert pool.state() == {"threads": 1, "parked": 0, "queued": 0}


def test_a_cancelled_request_does_not_run(pools):
    pool, gate = pools(threads=1, running=1), Gate()
    first = pool.submit(gate.request(0))
    ran = []
    cancelled = pool.submit(lambda: ran.append("ran"))
    assert cancelled.cancel()
    gate.open()
    assert first.result(TIMEOUT) == 0
    assert pool.submit(lambda: "after").result(TIMEOUT) == "after"
    assert ran == []


def test_shutdown_ends_the_idle_threads_and_refuses_new_requests():
    pool = RequestThreads(threads=4, running=2)
    for future in [pool.submit(time.sleep, 0.01) for _ in range(4)]:
        future.result(TIMEOUT)
    assert pool.state()["threads"] == 2
    pool.shutdown(wait=True)
    assert pool.state()["threads"] == 0
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)


def test_shutdown_still_runs_what_was_queued_unless_cancelled(pools):
    pool, gate = pools(threads=1, running=1), Gate()
    first = pool.submit(gate.request(0))
    queued = pool.submit(lambda: "queued ran")
    pool.shutdown(wait=False)
    gate.open()
    assert first.result(TIMEOUT) == 0 and queued.result(TIMEOUT) == "queued ran"


def test_waiting_outside_the_worker_threads_does_nothing():
    with waiting():
        pass  # the development server, the test client, the command line


@pytest.mark.parametrize("threads, running", [(4, 0), (4, 5)])
def test_running_is_from_one_to_the_threads(threads, running):
    with pytest.raises(ValueError, match="running must be from 1 to threads"):
        RequestThreads(threads, running)


def test_many_requests_from_many_submitters_all_run_within_the_bounds(pools):
    pool = pools(threads=6, running=3)
    lock, now, most = threading.Lock(), [0], [0]

    def request(number):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        try:
            if number % 3 == 0:
                with waiting():
                    time.sleep(0.002)
            else:
                time.sleep(0.0005)
        finally:
            with lock:
                now[0] -= 1
        return number

    futures, submitters = [], []
    for start in range(4):
        def submit(start=start):
            futures.extend(pool.submit(request, n) for n in range(start * 100, start * 100 + 100))
        submitters.append(threading.Thread(target=submit))
    for thread in submitters:
        thread.start()
    for thread in submitters:
        thread.join()
    assert sorted(f.result(TIMEOUT) for f in futures) == list(range(400))
    assert most[0] <= 6  # never more threads than that
    assert pool.state()["queued"] == 0 and pool.state()["threads"] <= 6


def test_a_request_that_waits_before_every_place_is_made_costs_no_place(pools):
    """The thread a waiting request starts takes that request's place; it makes no new one, and
    the places still to be made are made by the next requests."""
    pool, aside, held = pools(threads=8, running=2), Gate(), Gate()
    waiting_one = pool.submit(aside.request(0, aside=True))
    eventually(lambda: aside.now == 1 and pool.state()["threads"] == 2)
    both = [pool.submit(held.request(n)) for n in (1, 2)]
    eventually(lambda: held.now == 2)  # two places take requests, as `running` says
    held.open()
    aside.open()
    assert [f.result(TIMEOUT) for f in both] == [1, 2] and waiting_one.result(TIMEOUT) == 0
    eventually(lambda: pool.state()["parked"] == 1)
    again = [pool.submit(held.request(n)) for n in (3, 4, 5)]
    assert [f.result(TIMEOUT) for f in again] == [3, 4, 5] and held.most == 2


def test_a_thread_the_system_refuses_loses_no_place(pools, monkeypatch):
    pool, gate = pools(threads=4, running=1), Gate()
    assert pool.submit(lambda: "first").result(TIMEOUT) == "first"  # the one place, made
    waiting_one = pool.submit(gate.request(0, aside=True))
    eventually(lambda: gate.now == 1)
    assert pool.state()["threads"] == 2

    def refused(_thread):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    second = pool.submit(gate.request(1, aside=True))  # its place has no thread to go to
    eventually(lambda: gate.now == 2)
    behind = pool.submit(lambda: "behind")
    monkeypatch.undo()
    gate.open()
    assert waiting_one.result(TIMEOUT) == 0 and second.result(TIMEOUT) == 1
    assert behind.result(TIMEOUT) == "behind"  # the place was kept for the next free thread
    assert pool.state()["threads"] == 2
