"""Tokens: how they are made and every rule by which one is refused.

Access tokens (flask-jwt-extended, signed with `SECRET_KEY` and the one configured algorithm)
name their user in `sub` (the user id as a UUID string), carry the user's `role` and the id of
the login session they belong to (`sid`), and live `ACCESS_TOKEN_EXPIRE` minutes. Refresh tokens
(`type: refresh`) name the same session and carry its current refresh id as `jti`; they are only
accepted by POST /api/auth/refresh, and access tokens only everywhere else.

An access token is refused (401 `Token inválido o expirado`) when it is expired, not yet valid,
badly signed, of another algorithm (`none` included), of the wrong type, with a missing or
malformed `sub` or `sid`, when its session was revoked (logout, password change, role change,
deactivation, refresh token reuse), when its user is deactivated or holds another role now. A valid
token whose user no longer exists is the seed's 404.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token, get_jwt
from jwt.exceptions import PyJWTError

from ..errors import INVALID_TOKEN, USER_NOT_FOUND, NotFound, Unauthorized, error_response
from ..extensions import jwt
from ..models import AuthSession, User
from . import revocation
from .token_user import TokenUser


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
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }


def _uuid_claim(claims: dict, name: str) -> uuid.UUID:
    value = claims.get(name)
    if not isinstance(value, str):
        raise Unauthorized()
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Unauthorized() from None


def parse_subject(claims: dict) -> uuid.UUID:
    """The user id a token names, or 401: a malformed `sub` is a bad token, not a server error."""
    return _uuid_claim(claims, "sub")


def current_session_id() -> uuid.UUID:
    """The session of the access token of the request being served."""
    return _uuid_claim(get_jwt(), "sid")


class RefreshClaims(NamedTuple):
    user_id: uuid.UUID
    session_id: uuid.UUID
    jti: uuid.UUID


def decode_refresh_token(token: str) -> RefreshClaims:
    """Verify a refresh token's signature, algorithm, lifetime and type; 401 for anything wrong."""
    try:
        claims = decode_token(token)
    except (PyJWTError, ValueError, TypeError, KeyError):
        raise Unauthorized() from None
    if claims.get("type") != "refresh":
        raise Unauthorized()
    return RefreshClaims(
        user_id=parse_subject(claims),
        session_id=_uuid_claim(claims, "sid"),
        jti=_uuid_claim(claims, "jti"),
    )


@jwt.user_lookup_loader
def load_token_user(jwt_header, claims) -> TokenUser:
    # flask-jwt-extended takes a token of any `type` but "refresh" for an access token, and PyJWT
    # lets a token without `exp` live for ever. This service signs neither.
    if claims.get("type") != "access" or "exp" not in claims:
        raise Unauthorized()
    user, session_alive = revocation.load_user(parse_subject(claims), _uuid_claim(claims, "sid"))
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    if not session_alive or not user.is_active or claims.get("role") != user.role:
        raise Unauthorized()
    return user


def _refuse(*_args):
    return error_response(401, INVALID_TOKEN)


for _register in (
    jwt.expired_token_loader,
    jwt.invalid_token_loader,
    jwt.unauthorized_loader,
    jwt.needs_fresh_token_loader,
    jwt.revoked_token_loader,
    jwt.token_verification_failed_loader,
    jwt.user_lookup_error_loader,
):
    _register(_refuse)
