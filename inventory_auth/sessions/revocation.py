"""Revocations shared through Redis, when `REDIS_URL` is set.

The `auth_sessions` rows in the database are the record: a session is revoked when its row says
so or is gone. With Redis configured, every revocation is also written there, before the database
commit that records it, and the token check asks Redis first. Each entry expires once every
access token of the session has expired (`ACCESS_TOKEN_EXPIRE`), since a revoked session can never
mint a new one. Redis unreachable means "cannot tell": requests fail closed, never open.

Redis may come back without its data (a restart without persistence, a failover to an empty
replica, a flush). So Redis holds one more key, `COMPLETE_SINCE_KEY`: the time since which it has
seen every revocation. Created when missing, it is missing exactly when the data went; until one
entry lifetime has passed since then, a revocation made before it may be missing from Redis while
its tokens still live, and `verdict` answers UNKNOWN: the database decides.
"""

from __future__ import annotations

import enum
import logging
import time
import uuid

import redis
from flask import current_app

from ..exceptions import DependencyUnavailable
from ..redis_client import get_redis

log = logging.getLogger(__name__)

KEY_PREFIX = "inventory_auth:revoked-session:"
COMPLETE_SINCE_KEY = "inventory_auth:revocations-complete-since"


class Verdict(enum.Enum):
    REVOKED = "revoked"
    ALIVE = "alive"
    UNKNOWN = "unknown"  # no Redis, or Redis may have lost revocations that still matter


def _entry_ttl_seconds() -> int:
    config = current_app.config
    return int(config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()) + int(config["JWT_DECODE_LEEWAY"]) + 5


def publish(session_ids) -> None:
    """Make revocations visible to every instance before the database commit that records them."""
    client = get_redis()
    if client is None or not session_ids:
        return
    ttl = _entry_ttl_seconds()
    try:
        with client.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.set(KEY_PREFIX + str(session_id), 1, ex=ttl)
            pipe.execute()
    except redis.RedisError as error:
        log.error("cannot record session revocation in Redis: %s", error)
        raise DependencyUnavailable("redis") from None


def verdict(session_id: uuid.UUID) -> Verdict:
    """What Redis knows of a session: revoked, alive, or nothing the check may rely on."""
    client = get_redis()
    if client is None:
        return Verdict.UNKNOWN
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.exists(KEY_PREFIX + str(session_id))
            pipe.get(COMPLETE_SINCE_KEY)
            revoked, complete_since = pipe.execute()
        if complete_since is None:
            client.set(COMPLETE_SINCE_KEY, int(time.time()), nx=True)
    except redis.RedisError as error:
        log.error("cannot check session revocation in Redis: %s", error)
        raise DependencyUnavailable("redis") from None
    if revoked:
        return Verdict.REVOKED
    if complete_since is not None and time.time() - int(complete_since) > _entry_ttl_seconds():
        return Verdict.ALIVE
    return Verdict.UNKNOWN
