"""RFC 7662 token introspection: is this access token live right now, and whose is it?

A token is live when it verifies as every request's token does (signature, algorithm, `kid`,
lifetime: `jwt_manager.py`), is an access token of a session that has not ended, and its user
exists, is active and still holds the role the token claims (`sessions/token_check.py`). Anything
else (expired, revoked, deactivated, role changed, a refresh token, garbage) is `{"active":
false}`, with no reason given (RFC 7662, section 2.2).

Cost: the same as GET /me. The caller's credential, the user and the session are read in one
statement (the credential is the driving row, so an unknown caller costs the same single round
trip, prepared once per PostgreSQL connection: `prepared_reads.py`), and the credential is
checked with one SHA-256 (`credentials.py`). Tokens of the previous
backend (no session) are reported inactive: services get only tokens of this service.
"""

from __future__ import annotations

import uuid

from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError
from sqlalchemy import bindparam, select

from ..exceptions import InvalidToken, ServiceAuthenticationFailed
from ..models import AuthSession, ServiceClient, User
from ..prepared_reads import PreparedRead
from ..sessions.token_check import LIVE_SESSION
from ..sessions.tokens import uuid_claim
from ..signing.keyring import MAX_TOKEN_LENGTH
from .credentials import matches

INACTIVE = {"active": False}

_clients = ServiceClient.__table__
_users = User.__table__
_sessions = AuthSession.__table__

# The caller's credential and, in the same round trip, the token's user and its live session.
CLIENT_USER_AND_SESSION = (
    select(
        _clients.c.secret_hash,
        _users.c.id.label("user_id"),
        _users.c.role,
        _users.c.is_active,
        _sessions.c.id.label("live_session_id"),
    )
    .select_from(_clients)
    .outerjoin(_users, _users.c.id == bindparam("user_id"))
    .outerjoin(_sessions, LIVE_SESSION)
    .where(_clients.c.name == bindparam("client"), _clients.c.revoked_at.is_(None))
)
INTROSPECTION = PreparedRead("inventory_auth_introspection", CLIENT_USER_AND_SESSION)


def _claims(token) -> dict | None:
    """The verified claims of an access token of a session; None for anything else."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        claims = decode_token(token)
    except (PyJWTError, JWTExtendedException, ValueError, TypeError, KeyError):
        return None  # (a database that cannot be read is not an answer: it propagates, a 503)
    if claims.get("type") != "access" or "exp" not in claims or "sid" not in claims:
        return None
    return claims


def introspect(client: str | None, secret: str | None, token) -> dict:
    """The RFC 7662 answer for `token`, asked by the service `client` with `secret`;
    ServiceAuthenticationFailed when the credential is not a live one."""
    if not client or not secret:
        raise ServiceAuthenticationFailed()
    claims = _claims(token)
    user_id = session_id = None
    if claims is not None:
        try:
            user_id, session_id = uuid_claim(claims, "sub"), uuid_claim(claims, "sid")
        except InvalidToken:
            claims = None
    row = INTROSPECTION.first(client=client, user_id=user_id, session_id=session_id)
    if row is None:
        raise ServiceAuthenticationFailed()
    secret_hash, token_user_id, role, is_active, live_session_id = row
    if not matches(secret, secret_hash):
        raise ServiceAuthenticationFailed()
    if (
        claims is None
        or token_user_id is None
        or live_session_id is None
        or not is_active
        or claims.get("role") != role
    ):
        return dict(INACTIVE)
    return {
        "active": True,
        "sub": str(uuid.UUID(str(token_user_id))),
        "role": role,
        "exp": claims["exp"],
        "iat": claims.get("iat"),
        "sid": str(session_id),
        "token_type": "bearer",
    }
