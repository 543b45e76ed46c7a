"""The tokens a session hands out: how they are made, and how a refresh token is read.

Access tokens (flask-jwt-extended, signed with `SECRET_KEY` and the one configured algorithm)
name their user in `sub` (the user id as a UUID string), carry the user's `role` and the id of
the login session they belong to (`sid`), and live `ACCESS_TOKEN_EXPIRE` minutes. Refresh tokens
(`type: refresh`) name the same session and carry its current refresh id as `jti`; they are only
accepted by POST /api/auth/refresh. How an access token is checked on each request is
`token_check.py`.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token, get_jwt
from jwt.exceptions import PyJWTError

from ..config import settings
from ..exceptions import InvalidToken
from ..models import AuthSession, User


def issue_access_token(user: User, session: AuthSession) -> str:
    return create_access_token(
        identity=str(user.id), additional_claims={"role": user.role, "sid": str(session.id)}
    )


def encode_refresh_token(session: AuthSession) -> str:
    """The session's current refresh token. Made from the session row alone, so the same row
    always gives the same token: a retried refresh can be answered again exactly."""
    issued = int(session.refreshed_at.timestamp())
    return create_refresh_token(
        identity=str(session.user_id),
        additional_claims={
            "jti": str(session.current_jti),
            "sid": str(session.id),
            "iat": issued,
            "nbf": issued,
            "exp": int(session.expires_at.timestamp()),
        },
    )


def token_pair(user: User, session: AuthSession) -> dict:
    return {
        "access_token": issue_access_token(user, session),
        "refresh_token": encode_refresh_token(session),
        "token_type": "bearer",
        "expires_in": int(settings().JWT_ACCESS_TOKEN_EXPIRES.total_seconds()),
    }


def uuid_claim(claims: dict, name: str) -> uuid.UUID:
    value = claims.get(name)
    if not isinstance(value, str):
        raise InvalidToken()
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidToken() from None


def parse_subject(claims: dict) -> uuid.UUID:
    """The user id a token names; a malformed `sub` is a bad token, not a server error."""
    return uuid_claim(claims, "sub")


def current_session_id() -> uuid.UUID | None:
    """The session of the access token of the request being served; None for a token of the
    previous backend, which belongs to no session (legacy_tokens.py: only such a token, in its
    transition window, gets past the check without `sid`)."""
    claims = get_jwt()
    if "sid" not in claims:
        return None
    return uuid_claim(claims, "sid")


class RefreshClaims(NamedTuple):
    user_id: uuid.UUID
    session_id: uuid.UUID
    jti: uuid.UUID


def decode_refresh_token(token: str) -> RefreshClaims:
    """Verify a refresh token's signature, algorithm, lifetime and type; InvalidToken otherwise."""
    try:
        claims = decode_token(token)
    except (PyJWTError, ValueError, TypeError, KeyError):
        raise InvalidToken() from None
    if claims.get("type") != "refresh":
        raise InvalidToken()
    return RefreshClaims(
        user_id=parse_subject(claims),
        session_id=uuid_claim(claims, "sid"),
        jti=uuid_claim(claims, "jti"),
    )
