"""Who is this? Checking a user's password, for login and for a password change.

`authenticate` is login top to bottom: the lockout first (no password is checked while an
account waits, nor while another check for it runs: `lockout.reserve`), the user by email, then
the password, whose verification costs the same whether or not the email exists (a dummy hash is
checked for unknown ones), inside one of the worker's hashing slots (security/hash_bulkhead.py),
taken only after those cheap steps. A hash not made with the current method (the previous
backend's bcrypt, an older Werkzeug method) is replaced on success. Only then is `is_active`
looked at, so an inactive account reveals itself only to someone who knows its password. A
password checked against a row that a reset, an administrator or a logout-all changed meanwhile
opens no session (`sessions.claim`: the attempt is refused as if another were running, and the
retry checks the row as it is now).

Every outcome is written to the audit trail, and failures are counted for the lockout, in the
caller's transaction; the caller commits them even though it answers with an error
(`AuthenticationFailed`, `WrongCurrentPassword`). The lockout's lease is the one write that does
not wait for that commit (`lockout.reserve`); an attempt that ends in any other error gives it back
at once.
"""

from __future__ import annotations

from .. import audit, sessions
from ..audit import actions
from ..database import release_connection
from ..exceptions import (
    AccountInactive,
    AccountLocked,
    AttemptInProgress,
    AuthenticationFailed,
    InvalidCredentials,
    InvalidToken,
    WrongCurrentPassword,
)
from ..models import User
from ..models.types import utcnow
from ..security import hash_bulkhead, lockout
from ..security.passwords import burn_verify, hash_password, verify, verify_password
from .store import check_new_password, find_by_email, replace_password


def authenticate(email: str, password: str) -> User:
    """The user whose email and password these are, with `last_login` set; else
    AccountLocked (or AttemptInProgress), InvalidCredentials or AccountInactive."""
    try:
        lockout.reserve(email)
    except AccountLocked as refused:
        audit.record(actions.LOGIN_FAILED, new={"reason": _refusal_reason(refused)})
        raise
    try:
        return _check_password(email, password)
    except AuthenticationFailed:
        raise  # recorded (and the lease released) in the caller's transaction, which commits
    except BaseException:
        lockout.release(email)
        raise


def _refusal_reason(refused: AccountLocked) -> str:
    return "in_progress" if isinstance(refused, AttemptInProgress) else "locked"


def _check_password(email: str, password: str) -> User:
    user = find_by_email(email)
    release_connection()  # no connection is held while queued for a hashing slot, nor hashing
    new_hash = None
    with hash_bulkhead.slot():
        if user is None:
            burn_verify(password)
            verification = None
        else:
            verification = verify(password, user.password_hash)
            if verification.ok and verification.rehash:  # made with another method
                new_hash = hash_password(password)
    if user is None:
        _failed(email, None, "unknown_email")
    if not verification.ok:
        _failed(email, user, "wrong_password")
    now = utcnow()
    changes = {"last_login": now, "updated_at": now} if user.is_active else {}
    if new_hash is not None:  # written only with the session's claim: never over a newer password
        changes["password_hash"] = new_hash
    if not sessions.claim(user, **changes):
        _superseded(email, user)
    lockout.clear(email)  # the failures, and the lease
    if not user.is_active:
        audit.record(actions.LOGIN_FAILED, entity_id=user.id, new={"reason": "inactive"})
        raise AccountInactive()
    audit.record(actions.LOGIN, actor_id=user.id, entity_id=user.id)
    return user


def _superseded(email: str, user: User):
    """The password was checked against a row that has changed since (a reset, an administrator,
    a logout-all committed meanwhile): no session may start from it. Not a failure; the retry
    checks against the row as it is now."""
    user_id = user.id
    lockout.release(email)  # rolls back the request's writes, gives the lease back
    audit.record(actions.LOGIN_FAILED, entity_id=user_id, new={"reason": "superseded"})
    raise AttemptInProgress(1)


def _failed(email: str, user: User | None, reason: str):
    """Count the failure for the lockout, audit it (and the lockout it may start), refuse."""
    wait = lockout.record_failure(email)
    entity_id = user.id if user is not None else None
    audit.record(actions.LOGIN_FAILED, entity_id=entity_id, new={"reason": reason})
    if wait:
        audit.record(actions.ACCOUNT_LOCKED, entity_id=entity_id, new={"seconds": wait})
    raise InvalidCredentials()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """A password change must prove the current password; then every session of the user ends.

    The new password's policy is checked first (WeakPassword), before any hash. The proof is a
    password check like a login's: it waits for the account's lockout and lease, and a wrong
    current password counts as a failure (WrongCurrentPassword, or AccountLocked when it starts
    a wait), which the caller commits before answering.
    """
    release_connection()
    check_new_password(user, new_password)
    try:
        lockout.reserve(user.email)
    except AccountLocked as refused:
        audit.record(
            actions.PASSWORD_CHANGE_FAILED, actor_id=user.id, entity_id=user.id,
            new={"reason": _refusal_reason(refused)},
        )
        raise
    try:
        with hash_bulkhead.slot():
            proven = verify_password(current_password, user.password_hash)
            new_hash = hash_password(new_password) if proven else None
        if not proven:
            wait = lockout.record_failure(user.email)
            audit.record(
                actions.PASSWORD_CHANGE_FAILED, actor_id=user.id, entity_id=user.id,
                new={"reason": "wrong_current_password"},
            )
            if wait:
                audit.record(actions.ACCOUNT_LOCKED, entity_id=user.id, new={"seconds": wait})
            raise WrongCurrentPassword()
        if not user.is_active or not sessions.claim(user):
            raise InvalidToken()  # the caller's sessions ended while the password was checked
        replace_password(user, new_hash)
        lockout.clear(user.email)
    except WrongCurrentPassword:
        raise
    except BaseException:
        lockout.release(user.email)  # e.g. no hashing slot: the request rolls back
        raise
    audit.record(actions.PASSWORD_CHANGE, actor_id=user.id, entity_id=user.id)
