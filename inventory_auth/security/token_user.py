"""The user an access token names, as the token check reads it: every request with a token.

The check is one prebuilt Core statement over the `users` table (and, when the database decides
revocation, the token's `auth_sessions` row), read into a small frozen snapshot rather than an ORM
entity: the identity map, attribute instrumentation and unit of work are not needed to answer
GET /me, and they were most of its CPU (docs/benchmarks.md). Views that change the account load
the entity itself (`accounts.get_user`). The snapshot never holds the password hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import and_, bindparam, select

from ..models import AuthSession, User


@dataclass(frozen=True, slots=True)
class TokenUser:
    """The UserResponse fields of the token's user, at the time of the check."""

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: str
    phone: str | None
    program: str | None
    ficha: str | None
    environment_id: uuid.UUID | None
    avatar_url: str | None
    is_active: bool
    last_login: datetime | None
    created_at: datetime
    updated_at: datetime


_users = User.__table__
_sessions = AuthSession.__table__
_columns = [_users.c[field.name] for field in fields(TokenUser)]

# The user alone, when Redis has answered for the session.
USER = select(*_columns).where(_users.c.id == bindparam("user_id"))

# The user and, in the same round trip, its session's id if the session is alive (not revoked).
USER_AND_LIVE_SESSION = (
    select(*_columns, _sessions.c.id.label("live_session_id"))
    .outerjoin(
        _sessions,
        and_(
            _sessions.c.id == bindparam("session_id"),
            _sessions.c.user_id == _users.c.id,
            _sessions.c.revoked_at.is_(None),
        ),
    )
    .where(_users.c.id == bindparam("user_id"))
)

_width = len(_columns)


def from_row(row) -> TokenUser:
    return TokenUser(*row[:_width])
