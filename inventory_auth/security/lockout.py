"""Per-account lockout after repeated failed logins (Keycloak's brute-force model).

From the `LOCKOUT_THRESHOLD`-th consecutive failure on one email, that email waits
`LOCKOUT_BASE_SECONDS`, doubling with each further failure up to `LOCKOUT_MAX_SECONDS`; while it
waits, no password is even checked (429 with `Retry-After`). Attempts during a wait do not count,
so an attacker can add at most one failure per wait. A success clears the count; so does
`LOCKOUT_RESET_SECONDS` without failures, or an operator (`flask users unlock`). The caller
commits; a failed login commits its failure before answering.

Counters live in the database, which every worker and instance shares. They are keyed by an HMAC
of the normalized email: unknown emails lock exactly like real ones, so the lockout reveals
nothing, and no address a stranger typed is stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..exceptions import AccountLocked
from ..extensions import db
from ..models import LoginFailure
from ..models.types import utcnow


def account_key(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, email.lower().encode(), hashlib.sha256).hexdigest()


def wait_seconds(failures: int) -> int:
    """How long an account waits after its `failures`-th consecutive failure (0: no wait)."""
    config = current_app.config
    over = failures - config["LOCKOUT_THRESHOLD"]
    if over < 0:
        return 0
    return min(config["LOCKOUT_BASE_SECONDS"] * 2 ** min(over, 30), config["LOCKOUT_MAX_SECONDS"])


def check(email: str) -> bool:
    """Raise `AccountLocked` while the account waits. True when it has failures on record."""
    row = db.session.execute(
        select(LoginFailure.locked_until).where(LoginFailure.account_key == account_key(email))
    ).first()
    if row is None:
        return False
    if row.locked_until is not None:
        remaining = math.ceil((row.locked_until - utcnow()).total_seconds())
        if remaining > 0:
            raise AccountLocked(remaining)
    return True


def _insert(dialect_name):
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(LoginFailure)


def record_failure(email: str) -> int:
    """Count one more consecutive failure (atomically: concurrent failures all count); the seconds
    of the wait it starts (0: none)."""
    key = account_key(email)
    now = utcnow()
    quiet_since = now - timedelta(seconds=current_app.config["LOCKOUT_RESET_SECONDS"])
    insert = _insert(db.session.get_bind().dialect.name)
    statement = (
        insert.values(account_key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginFailure.account_key],
            set_={
                "failures": case(
                    (LoginFailure.last_failure_at < quiet_since, 1), else_=LoginFailure.failures + 1
                ),
                "last_failure_at": now,
            },
        )
        .returning(LoginFailure.failures)
    )
    failures = db.session.execute(statement).scalar_one()
    wait = wait_seconds(failures)
    if wait:
        db.session.execute(
            update(LoginFailure)
            .where(LoginFailure.account_key == key)
            .values(locked_until=now + timedelta(seconds=wait))
        )
    return wait


@dataclass(frozen=True)
class Cleared:
    """What `clear` forgot: the consecutive failures on record, the seconds left of a running wait
    (0: none), and whether the failures had already gone quiet (the next one would start over)."""

    failures: int
    wait_left: int
    quiet: bool


def clear(email: str) -> Cleared | None:
    """Forget an account's failures: what was on record, or None if nothing was."""
    key = account_key(email)
    row = db.session.execute(
        select(LoginFailure.failures, LoginFailure.last_failure_at, LoginFailure.locked_until)
        .where(LoginFailure.account_key == key)
    ).first()
    if row is None:
        return None
    db.session.execute(delete(LoginFailure).where(LoginFailure.account_key == key))
    now = utcnow()
    wait_left = 0
    if row.locked_until is not None:
        wait_left = max(0, math.ceil((row.locked_until - now).total_seconds()))
    quiet_since = now - timedelta(seconds=current_app.config["LOCKOUT_RESET_SECONDS"])
    return Cleared(row.failures, wait_left, row.last_failure_at < quiet_since)


def prune() -> int:
    """Delete counters that have gone quiet and hold no running wait."""
    now = utcnow()
    quiet_since = now - timedelta(seconds=current_app.config["LOCKOUT_RESET_SECONDS"])
    result = db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.last_failure_at < quiet_since,
            (LoginFailure.locked_until.is_(None)) | (LoginFailure.locked_until < now),
        )
    )
    return result.rowcount
