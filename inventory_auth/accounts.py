"""Operations on user accounts, shared by the HTTP API and the `flask users` commands."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .errors import BadRequest
from .extensions import db
from .models import User
from .security.passwords import hash_password

EMAIL_TAKEN = "El correo electrónico ya está registrado"


def find_by_email(email: str) -> User | None:
    """The account of `email`, whatever the case it was registered with."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def create_user(*, email: str, password: str, **fields) -> User:
    """Insert a user; a taken email (even by a concurrent request) is a 400, never a 500."""
    if find_by_email(email) is not None:
        raise BadRequest(EMAIL_TAKEN)
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


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    db.session.commit()


def set_role(user: User, role: str) -> None:
    user.role = role
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    user.is_active = active
    db.session.commit()
