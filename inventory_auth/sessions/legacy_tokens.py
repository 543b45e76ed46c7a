"""Access tokens of the previous backend, accepted during a bounded transition.

The previous backend signed its access tokens with the same `SECRET_KEY` (HS256), with the claims
`sub` (the user id), `role` and `exp` only, for 30 days, and no session: nothing there could end
one before it expired. Here they are refused, unless `LEGACY_TOKENS_UNTIL` opens a window (at
most the previous lifetime ahead, config.py) during which such a token is taken as an access
token of its user, so that the app keeps working on migration day. Within the window it is
still ended at once by everything that ends a user's sessions:

- every session of the user ending (password change, role change, deactivation, logout-all, an
  administrator's logout: `lifecycle.end_all`) records the instant in
  `users.legacy_tokens_revoked_at`, and so does POST /logout made with such a token (which ends
  all of that user's tokens of the previous backend: there is no session to tell them apart);
  a token is accepted only if it was issued after that instant. It carries no `iat`: its issue
  time is `exp` minus the previous backend's lifetime (`LEGACY_TOKEN_DAYS`, default 30);
- the account must be active and still hold the role the token claims, as for any token.

A token of the previous backend is one whose claims are exactly `sub`, `role` and `exp`:
flask-jwt-extended fills a missing `type` with "access", `fresh` with False and `jti` with None,
and every token this service issues carries `sid`, `iat` and a `jti`. It cannot be refreshed
(there is no refresh token). After the window it is refused again.

Only this path reads `legacy_tokens_revoked_at`: tokens of this service are checked exactly as
before (token_check.py), with no extra statement.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select, update

from ..config import settings
from ..database import read_connection
from ..exceptions import InvalidToken, UserNotFound
from ..extensions import db
from ..models import User
from ..models.types import utcnow
from .token_user import COLUMNS, TokenUser
from .tokens import uuid_claim

# The claims the previous backend wrote, and those flask-jwt-extended adds when they are missing.
LEGACY_CLAIMS = frozenset({"sub", "role", "exp"})
CLAIMS_AFTER_DECODING = LEGACY_CLAIMS | {"type", "fresh", "jti"}


def is_legacy(claims: dict) -> bool:
    """Whether these decoded claims are those of a token of the previous backend."""
    return (
        set(claims) == CLAIMS_AFTER_DECODING
        and claims["type"] == "access"
        and claims["fresh"] is False
        and claims["jti"] is None
    )


def window_open(now: datetime | None = None) -> bool:
    until = settings().LEGACY_TOKENS_UNTIL
    return until is not None and (now or utcnow()) < until


@lru_cache(maxsize=1)
def _user_and_cutoff():
    users = User.__table__
    return select(*COLUMNS, users.c.legacy_tokens_revoked_at).where(users.c.id == bindparam("user_id"))


def issued_at(claims: dict) -> datetime:
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise InvalidToken()
    return datetime.fromtimestamp(exp, UTC) - settings().LEGACY_TOKEN_LIFETIME


def load_legacy_user(claims: dict) -> TokenUser:
    """The user of a token of the previous backend, if the window is open and nothing has ended
    the token since it was issued; else InvalidToken (or UserNotFound)."""
    now = utcnow()
    if not window_open(now) or not is_legacy(claims):
        raise InvalidToken()
    user_id = uuid_claim(claims, "sub")
    issued = issued_at(claims)
    if issued > now + timedelta(seconds=settings().JWT_DECODE_LEEWAY):
        raise InvalidToken()  # an `exp` further away than the previous backend ever wrote
    with read_connection() as connection:
        row = connection.execute(_user_and_cutoff(), {"user_id": user_id}).first()
    if row is None:
        raise UserNotFound()
    user, revoked_at = TokenUser(*row[:-1]), row[-1]
    if revoked_at is not None and issued <= revoked_at:
        raise InvalidToken()
    if not user.is_active or claims.get("role") != user.role:
        raise InvalidToken()
    return user


def revoke(user_id: uuid.UUID) -> None:
    """End every token of the previous backend `user_id` holds (the caller commits)."""
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(legacy_tokens_revoked_at=utcnow(), updated_at=User.updated_at),
        execution_options={"synchronize_session": False},
    )
