"""Who is this? Checking a user's password, for login and for a password change.

`authenticate` is login top to bottom: the lockout first (no password is checked while an
account waits), the user by email, then the password, whose verification costs the same whether
or not the email exists (a dummy hash is checked for unknown ones). A hash not made with the
current method (the previous backend's bcrypt, an older Werkzeug method), or of the password as
typed before Unicode normalization, is replaced on success.
Only then is `is_active` looked at, so an inactive account reveals itself only to someone who
knows its password.

Every outcome is written to the audit trail, and failures are counted for the lockout, in the
caller's transaction; the caller commits them even though it answers with an error
(`AuthenticationFailed`).
"""

from __future__ import annotations

from .. import audit
from ..audit import actions
from ..database import release_connection
from ..exceptions import AccountInactive, AccountLocked, InvalidCredentials, WrongCurrentPassword
from ..models import User
from ..models.types import utcnow
from ..security import lockout
from ..security.passwords import burn_verify, hash_password, verify, verify_password
from .store import find_by_email, set_password


def authenticate(email: str, password: str) -> User:
    """The user whose email and password these are, with `last_login` set; else
    AccountLocked, InvalidCredentials or AccountInactive."""
    try:
        has_failures = lockout.check(email)
    except AccountLocked:
        audit.record(actions.LOGIN_FAILED, new={"reason": "locked"})
        raise
    user = find_by_email(email)
    release_connection()  # no connection is held through the ~150 ms of hashing
    if user is None:
        burn_verify(password)
        _failed(email, None, "unknown_email")
    verification = verify(password, user.password_hash)
    if not verification.ok:
        _failed(email, user, "wrong_password")
    if verification.rehash:  # another method, or a hash of the password before normalization
        user.password_hash = hash_password(password)
    if has_failures:
        lockout.clear(email)
    if not user.is_active:
        audit.record(actions.LOGIN_FAILED, entity_id=user.id, new={"reason": "inactive"})
        raise AccountInactive()
    user.last_login = utcnow()
    audit.record(actions.LOGIN, actor_id=user.id, entity_id=user.id)
    return user


def _failed(email: str, user: User | None, reason: str):
    """Count the failure for the lockout, audit it (and the lockout it may start), refuse."""
    wait = lockout.record_failure(email)
    entity_id = user.id if user is not None else None
    audit.record(actions.LOGIN_FAILED, entity_id=entity_id, new={"reason": reason})
    if wait:
        audit.record(actions.ACCOUNT_LOCKED, entity_id=entity_id, new={"seconds": wait})
    raise InvalidCredentials()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """A password change must prove the current password; then every session of the user ends."""
    release_connection()
    if not verify_password(current_password, user.password_hash):
        raise WrongCurrentPassword()
    set_password(user, new_password)
    audit.record(actions.PASSWORD_CHANGE, actor_id=user.id, entity_id=user.id)
