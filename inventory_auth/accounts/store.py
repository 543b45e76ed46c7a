"""Account records: find, create and change them, for the HTTP API and the `flask users` commands.

Whatever changes what a user's tokens stand for (password, role, active state) ends every
session of that user at once. Nothing here commits: the view or command does, so that a change and
everything it causes (ended sessions, later the audit record) land together or not at all.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, sessions
from ..audit import actions
from ..database import release_connection
from ..exceptions import EmailTaken, HashingBusy, RoleNotSelfService, UserNotFound, WeakPassword
from ..extensions import db
from ..models import User
from ..roles import is_admin_general
from ..security import hash_bulkhead, password_policy
from ..security.passwords import hash_password


def get_user(user_id) -> User:
    """The account with this id, to change it."""
    user = db.session.get(User, user_id)
    if user is None:
        raise UserNotFound()
    return user


def find_by_email(email: str) -> User | None:
    """The account of `email`, whatever the case it was registered with."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def check_password_policy(password: str, *, field: str = "password", **personal) -> None:
    problems = password_policy.problems(password, **personal)
    if problems:
        raise WeakPassword(problems, field=field)


def create_user(*, email: str, password: str, **fields) -> User:
    """Insert a user; a taken email (even by a concurrent request) is EmailTaken, never a 500."""
    if find_by_email(email) is not None:
        raise EmailTaken()
    check_password_policy(
        password, email=email, first_name=fields.get("first_name"), last_name=fields.get("last_name")
    )
    release_connection()  # none held while queued for a hashing slot
    try:
        with hash_bulkhead.slot():
            # Registrations of one email at once all passed the check above: the one that got
            # in first may have taken it meanwhile, and then no hash is needed to say so.
            if find_by_email(email) is not None:
                raise EmailTaken()
            release_connection()
            password_hash = hash_password(password)
    except HashingBusy:
        if find_by_email(email) is not None:  # the true answer, rather than "come back later"
            raise EmailTaken() from None
        raise
    user = User(email=email, password_hash=password_hash, **fields)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if find_by_email(email) is not None:
            raise EmailTaken() from None
        raise
    return user


def register(data: dict, actor) -> User:
    """Self-registration creates only the roles in SELF_REGISTRATION_ROLES; an admin_general
    (`actor`, the caller's token user or None) creates any."""
    role = data["role"]
    if role not in current_app.config["SELF_REGISTRATION_ROLES"] and not is_admin_general(actor):
        raise RoleNotSelfService(role)
    user = create_user(**data)
    public = {key: value for key, value in data.items() if key != "password"}
    audit.record(actions.REGISTER, actor_id=actor.id if actor else user.id, entity_id=user.id, new=public)
    return user


def update_profile(user: User, changes: dict) -> User:
    """The user's own profile fields, changed by the user."""
    before, after = audit.changes(user, changes)
    for name, value in changes.items():
        setattr(user, name, value)
    if after:
        audit.record(actions.PROFILE_UPDATE, actor_id=user.id, entity_id=user.id, old=before, new=after)
    return user


def check_new_password(user: User, password: str, *, field: str = "new_password") -> None:
    """The policy, for a new password of `user` (WeakPassword)."""
    check_password_policy(
        password, field=field, email=user.email, first_name=user.first_name, last_name=user.last_name
    )


def set_password(
    user: User, password: str, *, field: str = "new_password", hashed: str | None = None
) -> None:
    """Give `user` a new password (the policy first) and end every session; `hashed`: its hash,
    already made by a caller that checked the policy."""
    if hashed is None:
        check_new_password(user, password, field=field)
        with hash_bulkhead.slot():
            hashed = hash_password(password)
    user.password_hash = hashed
    sessions.end_all(user.id, reason="password_changed")
