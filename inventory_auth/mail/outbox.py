"""The outbox: messages leave the request at once and are sent by one background thread.

One outbox per application per process: a bounded queue and one daemon sender thread, started
with the first message (never in gunicorn's master: a thread does not survive `fork`, so a
forked worker starts its own, with an empty queue of its own). What the sender meets (a refused
connection, a timeout, a rejected login or recipient) is logged with the id of the request
that queued the message, and never reaches that request.

A full queue drops the new message (an error in the log). The sender hands the SMTP server at
most `MAIL_SEND_RATE` messages a second (a relay refuses a client that sends faster than its
quota), so an import's 1,000 invitations leave steadily instead of at once; the queue
(`MAIL_OUTBOX_SIZE`) holds an import of `IMPORT_MAX_ROWS` accounts, and a reset someone waits for
goes ahead of the invitations still queued. A message for an account (an invitation) names it
(`user_id`) in every line about it, so that an administrator can send it again. At process exit
the sender gets `MAIL_SHUTDOWN_SECONDS` to send what is queued; what is left then is logged and
lost.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import queue
import threading
import time
import weakref
from dataclasses import dataclass, field

from flask import Flask, g, has_request_context

from ..config import settings
from .message import Message
from .transport import deliver

log = logging.getLogger("inventory_auth.mail")

_STOP = object()
# Kinds of message that may wait behind the others (an import queues thousands at once).
BULK_KINDS = frozenset({"invitation"})


def _lane(item) -> int:
    if item is _STOP:
        return 2  # after everything queued before it
    return 1 if item.message.kind in BULK_KINDS else 0


class _Lanes(queue.PriorityQueue):
    """A bounded queue in two lanes: other messages before bulk ones, each lane in order."""

    def _init(self, maxsize):
        super()._init(maxsize)
        self._order = itertools.count()

    def _put(self, item):
        super()._put((_lane(item), next(self._order), item))

    def _get(self):
        return super()._get()[2]
_outboxes: weakref.WeakSet[Outbox] = weakref.WeakSet()


@dataclass
class _Queued:
    message: Message
    request_id: str | None
    queued_at: float = field(default_factory=time.monotonic)


def _current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _log_fields(item: _Queued, **more) -> dict:
    fields = {"request_id": item.request_id, "mail_kind": item.message.kind, **more}
    if item.message.user_id is not None:
        fields["user_id"] = str(item.message.user_id)
    return fields


class Outbox:
    def __init__(self, app: Flask):
        self.app = app
        self.size = settings(app).MAIL_OUTBOX_SIZE
        self.interval = 1.0 / settings(app).MAIL_SEND_RATE
        self._reset()
        _outboxes.add(self)

    def _reset(self) -> None:
        """A new, empty, threadless outbox for this process (also what a forked child gets)."""
        self._pid = os.getpid()
        self._queue: queue.Queue = _Lanes(maxsize=self.size)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._abandoned = False
        self._sending: _Queued | None = None
        self._next_send = 0.0  # monotonic time before which the next message waits

    # --- the request side -------------------------------------------------------------------

    def enqueue(self, message: Message) -> bool:
        """Queue `message` without waiting; False when it was dropped (logged already).

        Callers must not answer differently on the result: it would tell who has an account.
        """
        item = _Queued(message, _current_request_id())
        if self._pid != os.getpid():
            self._reset()
        if self._closed:
            log.error("mail not sent: the outbox is closed (process ending)", extra=_log_fields(item))
            return False
        self._start_sender()
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            log.error(
                "mail not sent: the outbox is full (%d messages waiting); message dropped",
                self.size,
                extra=_log_fields(item),
            )
            return False
        return True

    def _start_sender(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(
                    target=self._run, name="inventory_auth-mail", daemon=True
                )
                thread.start()
                self._thread = thread

    # --- the sender thread ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                if self._abandoned:
                    self._log_lost([item])
                    continue
                self._sending = item
                self._pace()
                if self._abandoned:  # closed while it waited for its slot: logged as lost there
                    continue
                self._send(item)
            finally:
                self._sending = None
                self._queue.task_done()

    def _pace(self) -> None:
        """Wait for the next slot of MAIL_SEND_RATE (no wait when the queue was idle)."""
        now = time.monotonic()
        if self._next_send > now:
            time.sleep(self._next_send - now)
            now = self._next_send
        self._next_send = now + self.interval

    def _send(self, item: _Queued) -> None:
        started = time.monotonic()
        try:
            with self.app.app_context():
                deliver(item.message, request_id=item.request_id)
        except Exception as error:  # noqa: BLE001 (whatever it is, it must not kill the sender)
            log.error(
                "mail not sent: %s: %s",
                type(error).__name__,
                str(error).splitlines()[0] if str(error) else "",
                extra=_log_fields(
                    item,
                    error=type(error).__name__,
                    duration_ms=round((time.monotonic() - started) * 1000, 1),
                ),
            )
            return
        if settings(self.app).MAIL_SERVER:
            log.info(
                "mail sent",
                extra=_log_fields(
                    item,
                    duration_ms=round((time.monotonic() - started) * 1000, 1),
                    waited_ms=round((started - item.queued_at) * 1000, 1),
                ),
            )

    # --- waiting and closing ----------------------------------------------------------------

    def waiting(self) -> int:
        """Messages queued and not yet taken by the sender."""
        return self._queue.qsize()

    def flush(self, timeout: float) -> bool:
        """Wait until every queued message has been handled; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def close(self, timeout: float | None = None) -> int:
        """Stop taking messages, give the sender `timeout` seconds (`MAIL_SHUTDOWN_SECONDS`) to
        send what is queued, then log what is left as lost. Returns how many were lost."""
        if self._pid != os.getpid() or self._closed:
            return 0
        if timeout is None:
            timeout = settings(self.app).MAIL_SHUTDOWN_SECONDS
        self._closed = True
        thread = self._thread
        if thread is None:
            return 0
        deadline = time.monotonic() + timeout
        # Behind the queued messages; waits for room when the queue is full.
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=max(timeout, 0.001))
        thread.join(max(deadline - time.monotonic(), 0))
        if not thread.is_alive():
            return 0
        self._abandoned = True
        left = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
            if item is not _STOP:
                left.append(item)
        sending = self._sending
        if sending is not None:
            left.insert(0, sending)
        self._log_lost(left, timeout=timeout)
        return len(left)

    def _log_lost(self, items: list[_Queued], timeout: float | None = None) -> None:
        for item in items:
            log.error(
                "mail not sent: the process is ending and the SMTP server did not take the "
                "message within MAIL_SHUTDOWN_SECONDS (%s s); message lost",
                timeout if timeout is not None else settings(self.app).MAIL_SHUTDOWN_SECONDS,
                extra=_log_fields(item),
            )


def _close_all() -> None:
    """At exit: one shared `MAIL_SHUTDOWN_SECONDS` budget for every outbox of the process."""
    outboxes = list(_outboxes)
    if not outboxes:
        return
    deadline = time.monotonic() + max(settings(box.app).MAIL_SHUTDOWN_SECONDS for box in outboxes)
    for outbox in outboxes:
        outbox.close(max(deadline - time.monotonic(), 0))


def _after_fork_in_child() -> None:
    for outbox in list(_outboxes):
        outbox._reset()


atexit.register(_close_all)
os.register_at_fork(after_in_child=_after_fork_in_child)
