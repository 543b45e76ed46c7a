"""The auth flows, each readable top to bottom: login, registration, profile, password change."""

from __future__ import annotations

from .. import accounts
from ..errors import BadRequest, Forbidden, Unauthorized
from ..extensions import db
from ..models import User
from ..models.types import utcnow
from ..security.passwords import burn_verify, hash_password, needs_rehash, verify_password
from ..security.tokens import issue_access_token

INVALID_CREDENTIALS = "Correo o contraseña incorrectos"
INACTIVE_ACCOUNT = "La cuenta de usuario está inactiva"
WRONG_CURRENT_PASSWORD = "Contraseña actual incorrecta"
PASSWORD_CHANGED = "Contraseña actualizada exitosamente"


def login(email: str, password: str) -> dict:
    """Seed order: find the user, check the password, check `is_active`; then issue the token."""
    user = accounts.find_by_email(email)
    if user is None:
        burn_verify(password)  # an unknown email costs what a wrong password costs
        raise Unauthorized(INVALID_CREDENTIALS)
    if not verify_password(password, user.password_hash):
        raise Unauthorized(INVALID_CREDENTIALS)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not user.is_active:
        db.session.commit()
        raise Forbidden(INACTIVE_ACCOUNT)
    user.last_login = utcnow()
    access_token = issue_access_token(user)
    db.session.commit()
    return {"access_token": access_token, "token_type": "bearer", "user": user}


def register(data: dict) -> User:
    return accounts.create_user(**data)


def update_profile(user: User, changes: dict) -> User:
    for name, value in changes.items():
        setattr(user, name, value)
    user.updated_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> dict:
    if not verify_password(current_password, user.password_hash):
        raise BadRequest(WRONG_CURRENT_PASSWORD)
    accounts.set_password(user, new_password)
    return {"message": PASSWORD_CHANGED}
