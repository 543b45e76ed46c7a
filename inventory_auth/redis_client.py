"""The optional Redis connection: readiness checks it (the per-address rate limits reach the same
`REDIS_URL` through Flask-Limiter's own storage). Session revocation does not use Redis.

`REDIS_URL` unset means no Redis at all: every feature that can use it falls back to the database
(or, for per-address rate limits, to per-process memory). Timeouts are short so that a Redis
outage answers quickly instead of hanging a worker.
"""

from __future__ import annotations

import redis
from flask import Flask, current_app

from .config import settings

EXTENSION_KEY = "inventory_auth.redis"


def init_app(app: Flask) -> None:
    url = settings(app).REDIS_URL
    client = None
    if url:
        timeout = settings(app).REDIS_TIMEOUT_SECONDS
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=30,
            decode_responses=True,
        )
    app.extensions[EXTENSION_KEY] = client


def get_redis() -> redis.Redis | None:
    """The application's Redis client, or None when `REDIS_URL` is not set."""
    return current_app.extensions.get(EXTENSION_KEY)
