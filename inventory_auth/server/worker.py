"""gunicorn's gthread worker, serving its requests on `RequestThreads` (request_threads.py).

gunicorn.conf.py names this class as the worker, with `running` from GUNICORN_RUNNING_THREADS;
GUNICORN_THREADS stays the number of threads. Everything else is the
stock gthread worker (gunicorn is pinned: this relies on its `get_thread_pool` and on the start
of its `handle`).

One more wait steps aside: a new connection's thread waits up to 5 s for the request's first
bytes before the connection goes back to the poller. A connection opened and left silent would
otherwise hold one of the few running places for those 5 s. (One whose request is there already,
as it nearly always is, goes straight on.)
"""

from __future__ import annotations

from gunicorn.workers import gthread

from .request_threads import RequestThreads, waiting


class ThreadWorker(gthread.ThreadWorker):
    running = 16  # requests running at once in a worker

    @classmethod
    def running_at_most(cls, running: int) -> type[ThreadWorker]:
        """This worker, with `running` requests running at once (gunicorn.conf.py)."""
        return type(cls.__name__, (cls,), {"running": running, "__module__": cls.__module__})

    def get_thread_pool(self) -> RequestThreads:
        return RequestThreads(self.cfg.threads, min(self.running, self.cfg.threads))

    def handle(self, conn):
        if not conn.initialized and not conn.data_ready and not conn.wait_for_data(0):
            with waiting():  # only a connection whose request has not arrived yet
                ready = conn.wait_for_data(gthread.DEFAULT_WORKER_DATA_TIMEOUT)
            if not ready:
                return gthread._DEFER  # the stock worker's answer: back to the poller
        conn.data_ready = True
        return super().handle(conn)
