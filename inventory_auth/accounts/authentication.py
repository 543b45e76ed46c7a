"""Who is this? Checking a user's password, for login and for a password change.

`authenticate` is login top to bottom: the lockout first (no password is checked while an
account waits), the user by email, then the password, whose verification costs the same whether
or not the email exists (a dummy hash is checked for unknown ones). A hash not made with the
current method (the previous backend's bcrypt, an older Werkzeug method) is replaced on success.
Only then is `is_active` looked at, so an inactive account reveals itself only to someone who
knows its password.

Failures are recorded for the lockout in the caller's transaction; the caller commits them even
though it answers with an error (`AuthenticationFailed`).
"""

from __future__ import annotations

from ..database import release_connection
from ..exceptions import AccountInactive, InvalidCredentials, WrongCurrentPassword
from ..models import User
from ..models.types import utcnow
from ..security import lockout
from ..security.passwords import burn_verify, hash_password, needs_rehash, verify_password
from .store import find_by_email


def authenticate(email: str, password: str) -> User:
    """The user whose email and password these are, with `last_login` set; else
    AccountLocked, InvalidCredentials or AccountInactive."""
    has_failures = lockout.check(email)
    user = find_by_email(email)
    release_connection()  # no connection is held through the ~150 ms of hashing
    if user is None:
        burn_verify(password)
        lockout.record_failure(email)
        raise InvalidCredentials()
    if not verify_password(password, user.password_hash):
        lockout.record_failure(email)
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if has_failures:
        lockout.clear(email)
    if not user.is_active:
        raise AccountInactive()
    user.last_login = utcnow()
    return user


def verify_current_password(user: User, password: str) -> None:
    """A password change must prove the current password; WrongCurrentPassword otherwise."""
    release_connection()
    if not verify_password(password, user.password_hash):
        raise WrongCurrentPassword()
