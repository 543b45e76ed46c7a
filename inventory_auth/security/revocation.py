"""Is a session still alive? The answer every authenticated request needs, shared by every worker.

The `auth_sessions` rows in the database are the record: a session is revoked when its row says
so or is gone. With `REDIS_URL` set, revoked session ids are also written to Redis, and access
tokens are checked there instead; each entry expires once every access token of the session has
expired (`ACCESS_TOKEN_EXPIRE`), since a revoked session can never mint a new one. Redis
unreachable means "cannot tell": requests fail closed with 503, never open.

Redis may also come back without its data (a restart without persistence, a failover to an empty
replica, a flush). So Redis holds one more key, `COMPLETE_SINCE_KEY`: the time since which it has
seen every revocation. Created when missing, it is missing exactly when the data went; until one
entry lifetime has passed since then, a revocation made before it may be missing from Redis while
its tokens still live, so requests ask the database (the record) as they do without Redis.
"""

from __future__ import annotations

import logging
import time
import uuid

import redis
from flask import current_app

from ..database import read_connection
from ..errors import ServiceUnavailable
from ..redis_client import get_redis
from . import token_user
from .token_user import TokenUser

log = logging.getLogger(__name__)

KEY_PREFIX = "inventory_auth:revoked-session:"
COMPLETE_SINCE_KEY = "inventory_auth:revocations-complete-since"


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
        raise ServiceUnavailable() from None


def load_user(user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[TokenUser | None, bool]:
    """The token's user (None if deleted) and whether its session is still alive."""
    client = get_redis()
    if client is not None:
        try:
            with client.pipeline(transaction=False) as pipe:
                pipe.exists(KEY_PREFIX + str(session_id))
                pipe.get(COMPLETE_SINCE_KEY)
                revoked, complete_since = pipe.execute()
            if complete_since is None:
                client.set(COMPLETE_SINCE_KEY, int(time.time()), nx=True)
        except redis.RedisError as error:
            log.error("cannot check session revocation in Redis: %s", error)
            raise ServiceUnavailable() from None
        if revoked:
            return _user_only(user_id), False
        if complete_since is not None and time.time() - int(complete_since) > _entry_ttl_seconds():
            return _user_only(user_id), True
        # Redis may have lost revocations that still matter: the database decides, below.

    with read_connection() as connection:
        row = connection.execute(
            token_user.USER_AND_LIVE_SESSION, {"user_id": user_id, "session_id": session_id}
        ).first()
    if row is None:
        return None, False
    return token_user.from_row(row), row.live_session_id is not None


def _user_only(user_id: uuid.UUID) -> TokenUser | None:
    with read_connection() as connection:
        row = connection.execute(token_user.USER, {"user_id": user_id}).first()
    return None if row is None else token_user.from_row(row)
