"""Readiness checks: can this instance reach what it needs to answer requests?

Each check answers within `READINESS_TIMEOUT_SECONDS`, whatever the dependency does. The database
round-trip runs in a helper thread and is abandoned (reported as failed) at the deadline: libpq
will not wait less than two seconds for a connection, and a host that drops packets would
otherwise hold the health check — and the load balancer — for that long. A check still running
from an earlier request is joined rather than started again, so a dead database never piles up
threads. The same probe checks, until it once finds it right, that the schema is at the
migrations' head (`migration_head.py`): an unmigrated database is not ready either. Redis has its own
socket timeouts (`REDIS_TIMEOUT_SECONDS`).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import sqlalchemy as sa
from flask import Flask, current_app

from ...config import settings
from ...extensions import db
from ...redis_client import get_redis
from ..messages import DATABASE_DOWN, REDIS_DOWN, SCHEMA_NOT_CURRENT
from .migration_head import schema_problem

log = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not_configured"

EXTENSION_KEY = "inventory_auth.readiness"


class DeadlineRunner:
    """Runs one probe at a time in a helper thread; callers wait at most a deadline for it."""

    def __init__(self, name: str):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._running: Future | None = None
        self.schema_current = False  # once True, the schema is not read again

    def run(self, probe, timeout: float):
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(probe)
            future = self._running
        return future.result(timeout=timeout)


def _probe_database(app: Flask, runner: DeadlineRunner) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
        if runner.schema_current:
            return None
        problem = schema_problem(connection)
    runner.schema_current = problem is None
    return problem


def database_status(timeout: float) -> str | None:
    """None when the database answered `SELECT 1` in time and has this release's schema, else
    the reason."""
    app = current_app._get_current_object()
    runner = app.extensions[EXTENSION_KEY]
    try:
        problem = runner.run(lambda: _probe_database(app, runner), timeout)
    except FutureTimeout:
        log.warning("readiness: database did not answer within %.2f s", timeout)
        return DATABASE_DOWN
    except Exception as error:  # any driver or pool error means "not ready"
        log.warning("readiness: database check failed: %s", type(error).__name__)
        return DATABASE_DOWN
    if problem is not None:
        log.warning("readiness: %s", problem)
        return SCHEMA_NOT_CURRENT
    return None


def redis_status() -> str | None:
    """None when Redis answered PING (or is not configured), else the reason."""
    client = get_redis()
    if client is None:
        return None
    try:
        client.ping()
    except Exception as error:  # redis.RedisError, OSError...
        log.warning("readiness: redis check failed: %s", type(error).__name__)
        return REDIS_DOWN
    return None


def readiness() -> tuple[dict, dict]:
    """(checks, failures): each dependency's state, and the failed ones with their reasons."""
    timeout = settings().READINESS_TIMEOUT_SECONDS
    failures = {}
    checks = {}
    database = database_status(timeout)
    checks["database"] = OK if database is None else "error"
    if database:
        failures["database"] = [database]
    if get_redis() is None:
        checks["redis"] = NOT_CONFIGURED
    else:
        redis = redis_status()
        checks["redis"] = OK if redis is None else "error"
        if redis:
            failures["redis"] = [redis]
    return checks, failures


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = DeadlineRunner("readiness-db")
