"""The auth flows, each readable top to bottom."""

from __future__ import annotations

from flask import current_app

from .. import accounts, sessions
from ..database import release_connection
from ..errors import BadRequest, Forbidden, Unauthorized
from ..extensions import db
from ..models import User
from ..models.types import utcnow
from ..security import lockout
from ..security.passwords import burn_verify, hash_password, needs_rehash, verify_password
from ..security.roles import is_admin_general
from ..security.token_user import TokenUser

INVALID_CREDENTIALS = "Correo o contraseña incorrectos"
INACTIVE_ACCOUNT = "La cuenta de usuario está inactiva"
WRONG_CURRENT_PASSWORD = "Contraseña actual incorrecta"
PASSWORD_CHANGED = "Contraseña actualizada exitosamente"
LOGGED_OUT = "Sesión cerrada exitosamente"
LOGGED_OUT_ALL = "Se cerraron todas las sesiones"
ROLE_NOT_SELF_SERVICE = "Solo un administrador general puede crear usuarios con el rol «{role}»"


def login(email: str, password: str) -> dict:
    """Find the user, check the lockout, verify (and maybe re-hash), check `is_active`, then
    open a session and record the login."""
    has_failures = lockout.check(email)  # 429 while the account waits; no password is checked
    user = accounts.find_by_email(email)
    release_connection()
    if user is None:
        burn_verify(password)  # an unknown email costs what a wrong password costs
        lockout.record_failure(email)
        raise Unauthorized(INVALID_CREDENTIALS)
    if not verify_password(password, user.password_hash):
        lockout.record_failure(email)
        raise Unauthorized(INVALID_CREDENTIALS)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if has_failures:
        lockout.clear(email)
    if not user.is_active:
        db.session.commit()
        raise Forbidden(INACTIVE_ACCOUNT)
    sessions.prune(user)
    tokens = sessions.start(user)
    user.last_login = utcnow()
    db.session.commit()
    return {**tokens, "user": user}


def refresh(refresh_token: str) -> dict:
    return sessions.refresh(refresh_token)


def register(data: dict, actor: TokenUser | None) -> User:
    """Self-registration creates only the roles in SELF_REGISTRATION_ROLES; an admin_general
    creates any."""
    role = data["role"]
    if role not in current_app.config["SELF_REGISTRATION_ROLES"] and not is_admin_general(actor):
        raise Forbidden(ROLE_NOT_SELF_SERVICE.format(role=role))
    return accounts.create_user(**data)


def update_profile(user_id, changes: dict) -> User:
    user = accounts.get_user(user_id)
    for name, value in changes.items():
        setattr(user, name, value)
    user.updated_at = utcnow()
    db.session.commit()
    return user


def change_password(user_id, current_password: str, new_password: str) -> dict:
    """Replace the password and end every session; the caller gets a fresh pair to go on with."""
    user = accounts.get_user(user_id)
    release_connection()
    if not verify_password(current_password, user.password_hash):
        raise BadRequest(WRONG_CURRENT_PASSWORD)
    accounts.set_password(user, new_password, commit=False)
    tokens = sessions.start(user)
    db.session.commit()
    return {"message": PASSWORD_CHANGED, **tokens}


def logout(session_id) -> dict:
    sessions.end_session(session_id)
    db.session.commit()
    return {"message": LOGGED_OUT}


def logout_all(user_id) -> dict:
    sessions.end_all(user_id, reason="logout_all")
    db.session.commit()
    return {"message": LOGGED_OUT_ALL}
