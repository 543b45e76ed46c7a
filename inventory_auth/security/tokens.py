"""Access tokens: how they are issued and every rule by which one is refused.

Issued by flask-jwt-extended, signed with `SECRET_KEY` and the one configured algorithm. A token
names its user in `sub` (the user id as a UUID string) and carries the user's `role`. Every way a
token can be wrong ends as the contract's 401 `Token inválido o expirado`; a valid token whose user
no longer exists is the seed's 404.
"""

from __future__ import annotations

import uuid

from flask_jwt_extended import create_access_token

from ..errors import INVALID_TOKEN, NotFound, Unauthorized, error_response
from ..extensions import db, jwt
from ..models import User

USER_NOT_FOUND = "Usuario no encontrado"


def issue_access_token(user: User) -> str:
    return create_access_token(identity=str(user.id), additional_claims={"role": user.role})


def parse_subject(jwt_data: dict) -> uuid.UUID:
    """The user id a token names, or 401: a malformed `sub` is a bad token, not a server error."""
    sub = jwt_data.get("sub")
    if not isinstance(sub, str):
        raise Unauthorized()
    try:
        return uuid.UUID(sub)
    except ValueError:
        raise Unauthorized() from None


@jwt.user_lookup_loader
def load_token_user(jwt_header, jwt_data) -> User:
    user = db.session.get(User, parse_subject(jwt_data))
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    # A deactivated user's tokens die with the account; a role change makes the claim a lie.
    if not user.is_active or jwt_data.get("role") != user.role:
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
