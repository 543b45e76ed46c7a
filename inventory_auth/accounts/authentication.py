"""Who is this? Logging in, and proving the current password to change it.

`login` is POST /api/auth/login top to bottom, and every step of it is in this module:

1. the lockout: no password is checked while the account waits, nor while another check for it
   runs (`lockout.reserve` takes the account's lease, on its own short transaction);
2. the account, read with what the check needs (`store.credentials_by_email`, on a connection of
   its own: the request holds none while it hashes);
3. the password, one check inside one of the worker's hashing slots (security/hash_bulkhead.py),
   a dummy one for an unknown email; a failure then sleeps out of the slot, so that it lasts as
   long whether or not the email exists, whatever its hash;
4. a failure is counted (`lockout.record_failure`) and audited, and refused;
5. a success `claim`s the user's row (sessions.claim: only if nothing ended the user's sessions
   since it was read; else the attempt is superseded, refused as if another were running, and
   the retry checks the row as it is now), with `last_login` and a hash made with the current
   method if the stored one is not (the previous backend's bcrypt, an older Werkzeug method);
6. the lockout forgets the account's failures (`lockout.clear`); only now is `is_active` looked
   at, so an inactive account reveals itself only to someone who knows its password;
7. a session starts: its token pair and the user are the answer.

Nothing here commits. The caller commits the outcome, also when it is a refusal: every
`AuthenticationFailed` and `WrongCurrentPassword` is a `RecordedRefusal`, whose count and audit
record the edge commits before it answers. The lockout's lease is given back exactly once, by
the end of the request's transaction, however it ends (security/lockout.py).
"""

from __future__ import annotations

import uuid

from .. import audit, sessions
from ..audit import actions
from ..exceptions import (
    AccountInactive,
    AccountLocked,
    AttemptInProgress,
    InvalidCredentials,
    InvalidToken,
    UserNotFound,
    WrongCurrentPassword,
)
from ..models import User
from ..models.types import utcnow
from ..security import hash_bulkhead, lockout
from ..security.passwords import burn_verify, hash_password, pad, verify, verify_password
from .store import Credentials, check_new_password, credentials, credentials_by_email, replace_password


def login(email: str, password: str) -> dict:
    """A new session of the user whose email and password these are: its token pair and the
    user; else AccountLocked (or AttemptInProgress), InvalidCredentials or AccountInactive."""
    user = authenticate(email, password)
    return {**sessions.start(user), "user": user}


def authenticate(email: str, password: str) -> User:
    """The user whose email and password these are, with `last_login` set (steps 1 to 6)."""
    _reserve(email, actions.LOGIN_FAILED)
    account = credentials_by_email(email)
    new_hash = None
    with hash_bulkhead.slot():
        if account is None:
            padding, verification = burn_verify(password), None
        else:
            verification = verify(password, account.password_hash)
            padding = verification.pad
            if verification.ok and verification.rehash:  # made with another method
                new_hash = hash_password(password)
    pad(padding)  # a failure lasts as long whatever the account's hash; out of the slot: no CPU
    if account is None:
        _failed(email, None, "unknown_email")
    if not verification.ok:
        _failed(email, account.id, "wrong_password")
    now = utcnow()
    changes = {"last_login": now, "updated_at": now} if account.is_active else {}
    if new_hash is not None:  # written only with the session's claim: never over a newer password
        changes["password_hash"] = new_hash
    user = sessions.claim(account.id, account.session_generation, **changes)
    if user is None:
        _superseded(account.id)
    lockout.clear(email)  # the failures (and the lease, with the commit)
    if not user.is_active:
        audit.record(actions.LOGIN_FAILED, entity_id=user.id, new={"reason": "inactive"})
        raise AccountInactive()
    audit.record(actions.LOGIN, actor_id=user.id, entity_id=user.id)
    return user


def _reserve(email: str, action: str, user_id: uuid.UUID | None = None) -> None:
    """Take the account's lease (step 1); a refusal is audited as `action`."""
    try:
        lockout.reserve(email)
    except AccountLocked as refused:
        reason = "in_progress" if isinstance(refused, AttemptInProgress) else "locked"
        audit.record(action, actor_id=user_id, entity_id=user_id, new={"reason": reason})
        raise


def _superseded(user_id: uuid.UUID):
    """The password was checked against a row that has changed since (a reset, an administrator,
    a logout-all committed meanwhile): no session may start from it. Not a failure; nothing was
    written (the claim matched no row), the commit gives the lease back, and the retry checks
    against the row as it is now."""
    audit.record(actions.LOGIN_FAILED, entity_id=user_id, new={"reason": "superseded"})
    raise AttemptInProgress(1)


def _failed(email: str, user_id: uuid.UUID | None, reason: str):
    """Count the failure for the lockout, audit it (and the lockout it may start), refuse."""
    wait = lockout.record_failure(email)
    audit.record(actions.LOGIN_FAILED, entity_id=user_id, new={"reason": reason})
    if wait:
        audit.record(actions.ACCOUNT_LOCKED, entity_id=user_id, new={"seconds": wait})
    raise InvalidCredentials()


def change_password(user_id: uuid.UUID, current_password: str, new_password: str) -> dict:
    """A password change must prove the current password; then every session of the user ends,
    and a new one starts: its token pair.

    The new password's policy is checked first (WeakPassword), before any hash. The proof is a
    password check like a login's: it waits for the account's lockout and lease, and a wrong
    current password counts as a failure (WrongCurrentPassword), which the caller commits before
    answering. A user whose sessions ended while the password was checked (deactivated, a
    logout-all) gets InvalidToken.
    """
    account = credentials(user_id)
    if account is None:
        raise UserNotFound()
    check_new_password(account, new_password)
    _reserve(account.email, actions.PASSWORD_CHANGE_FAILED, account.id)
    with hash_bulkhead.slot():
        proven = verify_password(current_password, account.password_hash)
        new_hash = hash_password(new_password) if proven else None
    if not proven:
        _wrong_current_password(account)
    user = sessions.claim(account.id, account.session_generation) if account.is_active else None
    if user is None or not user.is_active:
        raise InvalidToken()  # the caller's sessions ended while the password was checked
    replace_password(user, new_hash)
    lockout.clear(user.email)
    audit.record(actions.PASSWORD_CHANGE, actor_id=user.id, entity_id=user.id)
    return sessions.start(user)


def _wrong_current_password(account: Credentials):
    wait = lockout.record_failure(account.email)
    audit.record(
        actions.PASSWORD_CHANGE_FAILED, actor_id=account.id, entity_id=account.id,
        new={"reason": "wrong_current_password"},
    )
    if wait:
        audit.record(actions.ACCOUNT_LOCKED, entity_id=account.id, new={"seconds": wait})
    raise WrongCurrentPassword()
