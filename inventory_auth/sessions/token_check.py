"""The check every request with an access token passes, top to bottom.

flask-jwt-extended verifies the signature, the algorithm and the lifetime (with one decode:
`jwt_manager.py`) and then calls `load_token_user` with the claims. From there:

1. The token must be an access token (`type: access`) with an `exp`: the library takes a token of
   any other type for one, and PyJWT lets a token without `exp` live for ever.
2. `sub` and `sid` must be UUIDs (a malformed one is a bad token, never a 500).
3. Is the session alive? The database decides, in the same round trip that reads the user: its
   `auth_sessions` row is the record, and nothing else is consulted, Redis included: a copy
   elsewhere could lag behind a logout (docs/security.md).
4. The user must exist (else 404, as the previous backend answered), be active, and still hold
   the role the token claims.

The user is read with one prebuilt Core statement into a small frozen snapshot (`TokenUser`)
rather than an ORM entity: the identity map, attribute instrumentation and unit of work are not
needed to answer GET /me, and they would be most of its CPU (docs/benchmarks.md). The read
(`prepared_reads.py`) takes its own pooled connection and gives it back before the view runs, and
on PostgreSQL runs the statement prepared once per connection. Views that change the account load
the entity themselves.

Every refusal answers 401 `Token inválido o expirado` with `WWW-Authenticate: Bearer` (the web
layer's error handlers, `web/errors.py`, for these and for the library's own refusals).
"""

from __future__ import annotations

import uuid

from flask_jwt_extended import JWTManager
from sqlalchemy import and_, bindparam, select

from ..exceptions import InvalidToken, UserNotFound
from ..models import AuthSession, User
from ..prepared_reads import PreparedRead
from .legacy_tokens import load_legacy_user
from .token_user import COLUMNS, TokenUser
from .tokens import uuid_claim

_users = User.__table__
_sessions = AuthSession.__table__
_columns = COLUMNS
_width = len(_columns)

# The token's session, joined to its user, if it is alive (not revoked): also introspection's.
LIVE_SESSION = and_(
    _sessions.c.id == bindparam("session_id"),
    _sessions.c.user_id == _users.c.id,
    _sessions.c.revoked_at.is_(None),
)

# The user and, in the same round trip, its session's id if the session is alive (not revoked).
USER_AND_LIVE_SESSION = (
    select(*_columns, _sessions.c.id.label("live_session_id"))
    .outerjoin(_sessions, LIVE_SESSION)
    .where(_users.c.id == bindparam("user_id"))
)


def load_token_user(_jwt_header, claims: dict) -> TokenUser:
    """The token's user, if the token is still good for it; else InvalidToken or UserNotFound."""
    if claims.get("type") != "access" or "exp" not in claims:
        raise InvalidToken()
    if "sid" not in claims:  # perhaps a token of the previous backend, in its transition window
        return load_legacy_user(claims)
    user_id = uuid_claim(claims, "sub")
    session_id = uuid_claim(claims, "sid")

    user, session_alive = _read(user_id, session_id)
    if user is None:
        raise UserNotFound()
    if not session_alive or not user.is_active or claims.get("role") != user.role:
        raise InvalidToken()
    return user


# The check's one read: the pool's own connection, the statement prepared once per connection.
TOKEN_CHECK = PreparedRead("inventory_auth_token_check", USER_AND_LIVE_SESSION)


def _read(user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[TokenUser | None, bool]:
    """The user (None if gone) and whether the session is alive, in one database round trip."""
    row = TOKEN_CHECK.first(user_id=user_id, session_id=session_id)
    if row is None:
        return None, False
    return TokenUser(*row[:_width]), row[_width] is not None


def init_app(jwt: JWTManager) -> None:
    """Make this check the one flask-jwt-extended runs after verifying a token."""
    jwt.user_lookup_loader(load_token_user)
