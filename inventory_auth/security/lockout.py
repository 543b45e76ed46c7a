"""Per-account lockout after repeated failed logins (Keycloak's brute-force model).

From the `LOCKOUT_THRESHOLD`-th consecutive failure on one email, that email waits
`LOCKOUT_BASE_SECONDS`, doubling with each further failure up to `LOCKOUT_MAX_SECONDS`; while it
waits, no password is even checked (429 with `Retry-After`). Attempts during a wait do not count,
so an attacker can add at most one failure per wait. A success clears the count; so does
`LOCKOUT_RESET_SECONDS` without failures, or an operator (`flask users unlock`). The caller
commits; a failed login commits its failure before answering.

At most one password check per account runs at a time, on every worker and instance together:
`reserve` takes the account's lease (`attempt_until`, `lease_seconds()` ahead) before the
hash, in one atomic upsert on its own short transaction (visible to every worker at once, not at
the request's commit), only if no lease is running and the account does not wait. A concurrent
attempt for the same account is refused at once (`AttemptInProgress`: 429, not counted as a
failure). A burst therefore checks passwords one after another and can never check more than
`LOCKOUT_THRESHOLD` before the wait starts.

The lease is given back exactly once, by the end of the request's transaction: its commit gives
it back together with the outcome it records (the failure `record_failure` counts, the success
`clear` forgets), so the next attempt sees the count this one left; a commit that records no
outcome (a superseded attempt) gives it back in the same transaction. A transaction that ends any
other way (an error, a 503 for want of a hashing slot, a failed commit) gives it back right after,
on a short transaction of its own (`init_app` ties both to the session). A lease whose worker
died runs out by itself.

Counters live in the database, which every worker and instance shares. They are keyed by an HMAC
of the normalized email: unknown emails lock exactly like real ones, so the lockout reveals
nothing, and no address a stranger typed is stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, case, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..config import settings
from ..database import own_transaction
from ..exceptions import AccountLocked, AttemptInProgress
from ..extensions import db
from ..models import LoginFailure
from ..models.types import utcnow

log = logging.getLogger(__name__)

# Longer than a password check takes even on a saturated machine, short enough that a worker
# killed mid-check blocks its account only briefly; the lease also covers the time the check may
# queue for a hashing slot (PASSWORD_HASH_WAIT_SECONDS, security/hash_bulkhead.py).
ATTEMPT_LEASE_SECONDS = 10


def lease_seconds() -> float:
    return ATTEMPT_LEASE_SECONDS + settings().PASSWORD_HASH_WAIT_SECONDS


def account_key(email: str) -> str:
    secret = settings().SECRET_KEY.encode()
    return hmac.new(secret, email.lower().encode(), hashlib.sha256).hexdigest()


def wait_seconds(failures: int) -> int:
    """How long an account waits after its `failures`-th consecutive failure (0: no wait)."""
    config = settings()
    over = failures - config.LOCKOUT_THRESHOLD
    if over < 0:
        return 0
    return min(config.LOCKOUT_BASE_SECONDS * 2 ** min(over, 30), config.LOCKOUT_MAX_SECONDS)


def _remaining(until, now) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _reserve_statement(dialect_name: str):
    """INSERT the lease, or take it ON CONFLICT only if none runs and the account does not wait:
    built once per dialect (with bound parameters `key`, `now`, `lease`), as it runs on every
    login."""
    statement = _RESERVE.get(dialect_name)
    if statement is None:
        table = LoginFailure.__table__
        now = bindparam("now", type_=table.c.attempt_until.type)
        lease = bindparam("lease", type_=table.c.attempt_until.type)
        statement = (
            _insert(dialect_name)
            .values(account_key=bindparam("key"), failures=0, last_failure_at=now, attempt_until=lease)
            .on_conflict_do_update(
                index_elements=[table.c.account_key],
                set_={"attempt_until": lease},
                where=(table.c.attempt_until.is_(None) | (table.c.attempt_until <= now))
                & (table.c.locked_until.is_(None) | (table.c.locked_until <= now)),
            )
            .returning(table.c.account_key)
        )
        _RESERVE[dialect_name] = statement
    return statement


_RESERVE: dict = {}


def reserve(email: str) -> None:
    """Take the account's lease before checking a password, on a short transaction of its own.

    Raises `AccountLocked` while the account waits and `AttemptInProgress` while another check
    for it runs. The lease belongs to the session's transaction from then on: the outcome the
    attempt records (`record_failure`, `clear`) gives it back with the commit, which gives back
    any other too; a transaction that ends otherwise gives it back at once on its own.
    """
    key = account_key(email)
    now = utcnow()
    lease = now + timedelta(seconds=lease_seconds())
    table = LoginFailure.__table__
    with own_transaction() as connection:
        statement = _reserve_statement(connection.dialect.name)
        taken = connection.execute(statement, {"key": key, "now": now, "lease": lease}).first()
        if not taken:
            locked_until = connection.execute(
                select(table.c.locked_until).where(table.c.account_key == key)
            ).scalar()
    if taken:
        _hold(key)
        return
    if locked_until is not None and locked_until > now:
        raise AccountLocked(_remaining(locked_until, now))
    # Another check runs (or ended between the two statements): it takes a fraction of a second,
    # whatever is left of its lease.
    raise AttemptInProgress(1)


def _leases() -> dict[str, bool]:
    """The leases the session's transaction holds: account key -> whether its outcome (a failure,
    a success) has given it back in the transaction already."""
    return db.session.info.setdefault(_LEASES, {})


_LEASES = "lockout.leases"


def _hold(key: str) -> None:
    """Tie a lease just taken to the session's transaction: begun here if none runs (no
    connection is taken until a statement runs), so that its end, whichever it is, gives the
    lease back (`_give_back_on_commit`, `_give_back_after_rollback`)."""
    session = db.session()
    if session.get_transaction() is None:
        session.begin()
    _leases()[key] = False


def _settled(key: str) -> None:
    leases = db.session.info.get(_LEASES)
    if leases is not None and key in leases:
        leases[key] = True


def _release_statement():
    table = LoginFailure.__table__
    return update(table).where(table.c.account_key == bindparam("key")).values(attempt_until=None)


def _give_back_on_commit(session) -> None:
    """Before the request commits: a lease its outcome did not give back (a superseded attempt)
    is given back in the same transaction."""
    if session.in_nested_transaction():
        return
    for key, settled in session.info.get(_LEASES, {}).items():
        if not settled:
            session.execute(_release_statement(), {"key": key})


def _forget_on_commit(session) -> None:
    """Committed: the commit gave every lease back, with the outcome it recorded."""
    if not session.in_nested_transaction():
        session.info.pop(_LEASES, None)


def _give_back_after_rollback(session, transaction) -> None:
    """The transaction ended without a commit (rolled back, or closed by a failure, even one of
    the commit itself): its writes are gone, outcome included, so each lease it held is given
    back now, on a short transaction of its own, instead of blocking the account until it runs
    out. The session's connection is back in the pool by now (never two at once). If the
    database cannot take it either, the lease runs out by itself."""
    if transaction.parent is not None:
        return
    leases = session.info.pop(_LEASES, None)
    if not leases:
        return
    try:
        with own_transaction() as connection:
            for key in leases:
                connection.execute(_release_statement(), {"key": key})
    except SQLAlchemyError as error:
        log.warning("lockout lease not released (it expires by itself): %s", type(error).__name__)


def init_app(app) -> None:
    """Give every lease back exactly once, at the end of the transaction that took it."""
    for name, listener in (
        ("before_commit", _give_back_on_commit),
        ("after_commit", _forget_on_commit),
        ("after_transaction_end", _give_back_after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _insert(dialect_name):
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(LoginFailure)


def record_failure(email: str) -> int:
    """Count one more consecutive failure (atomically: concurrent failures all count) and release
    the account's lease; the seconds of the wait it starts (0: none)."""
    key = account_key(email)
    now = utcnow()
    quiet_since = now - timedelta(seconds=settings().LOCKOUT_RESET_SECONDS)
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
                "attempt_until": None,
            },
        )
        .returning(LoginFailure.failures)
    )
    failures = db.session.execute(statement).scalar_one()
    _settled(key)
    wait = wait_seconds(failures)
    if wait:
        db.session.execute(
            update(LoginFailure)
            .where(LoginFailure.account_key == key)
            .values(locked_until=now + timedelta(seconds=wait))
        )
    return wait


# Built once: it runs on every successful login (a Core statement, no ORM bookkeeping).
_CLEAR = (
    delete(LoginFailure.__table__)
    .where(LoginFailure.__table__.c.account_key == bindparam("key"))
    .returning(LoginFailure.__table__.c.failures)
)


def clear(email: str) -> bool:
    """Forget an account's failures and its lease. True if there were failures."""
    key = account_key(email)
    failures = db.session.execute(_CLEAR, {"key": key}).scalar()
    _settled(key)
    return bool(failures)


@dataclass(frozen=True)
class Cleared:
    """What `clear` forgot: the consecutive failures on record, the seconds left of a running wait
    (0: none), and whether the failures had already gone quiet (the next one would start over)."""

    failures: int
    wait_left: int
    quiet: bool


def forget(email: str) -> Cleared | None:
    """Forget an account's failures, for an operator: what was on record, or None if nothing was."""
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
    quiet_since = now - timedelta(seconds=settings().LOCKOUT_RESET_SECONDS)
    return Cleared(row.failures, wait_left, row.last_failure_at < quiet_since)


def prune() -> int:
    """Delete counters that have gone quiet and hold no running wait."""
    now = utcnow()
    quiet_since = now - timedelta(seconds=settings().LOCKOUT_RESET_SECONDS)
    result = db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.last_failure_at < quiet_since,
            (LoginFailure.locked_until.is_(None)) | (LoginFailure.locked_until < now),
        )
    )
    return result.rowcount
