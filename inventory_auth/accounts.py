"""Operations on user accounts, shared by the HTTP API and the `flask users` commands.

Whatever changes what a user's tokens stand for (password, role, active state) ends every
session of that user at once.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import sessions
from .database import release_connection
from .errors import USER_NOT_FOUND, BadRequest, NotFound, ValidationFailed
from .extensions import db
from .models import User
from .security import password_policy
from .security.passwords import hash_password

EMAIL_TAKEN = "El correo electrónico ya está registrado"


def get_user(user_id) -> User:
    """The account with this id, to change it; 404 if it no longer exists."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


def find_by_email(email: str) -> User | None:
    """The account of `email`, whatever the case it was registered with."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def check_password_policy(password: str, *, field: str = "password", **personal) -> None:
    problems = password_policy.problems(password, **personal)
    if problems:
        raise ValidationFailed(errors={field: problems})


def create_user(*, email: str, password: str, **fields) -> User:
    """Insert a user; a taken email (even by a concurrent request) is a 400, never a 500."""
    check_password_policy(
        password, email=email, first_name=fields.get("first_name"), last_name=fields.get("last_name")
    )
    if find_by_email(email) is not None:
        raise BadRequest(EMAIL_TAKEN)
    release_connection()
    user = User(email=email, password_hash=hash_password(password), **fields)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if find_by_email(email) is not None:
            raise BadRequest(EMAIL_TAKEN) from None
        raise
    return user


def set_password(user: User, password: str, *, field: str = "new_password", commit: bool = True) -> None:
    check_password_policy(
        password, field=field, email=user.email, first_name=user.first_name, last_name=user.last_name
    )
    user.password_hash = hash_password(password)
    sessions.end_all(user.id, reason="password_changed")
    if commit:
        db.session.commit()


def set_role(user: User, role: str) -> None:
    if user.role != role:
        user.role = role
        sessions.end_all(user.id, reason="role_changed")
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    user.is_active = active
    if not active:
        sessions.end_all(user.id, reason="deactivated")
    db.session.commit()


def end_all_sessions(user: User) -> int:
    ended = sessions.end_all(user.id, reason="revoked_by_admin")
    db.session.commit()
    return len(ended)
