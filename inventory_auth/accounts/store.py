"""Account records: find, create and change them, for the HTTP API and the `flask users` commands.

Whatever changes what a user's tokens stand for (password, role, active state) ends every
session of that user, and every reset link still out, at once (`end_sessions_and_links`).
Nothing here commits: the view or command does, so that a change and everything it causes (ended
sessions, later the audit record) land together or not at all.

What a password hash needs (`Credentials`) is read through `database.read_connection`, before the
request's ORM session takes a connection: none is held, idle in a transaction, through the
~130 ms of the hash; the ORM entity is loaded afterwards, where something is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit, sessions
from ..audit import actions
from ..config import settings
from ..database import read_connection
from ..exceptions import EmailTaken, HashingBusy, RoleNotSelfService, UserNotFound, WeakPassword
from ..extensions import db
from ..models import PasswordResetToken, User
from ..models.types import utcnow
from ..roles import is_admin_general
from ..security import hash_bulkhead, password_policy
from ..security.passwords import hash_password, is_usable, unusable_hash
from . import link_tokens


def get_user(user_id) -> User:
    """The account with this id, to change it."""
    user = db.session.get(User, user_id)
    if user is None:
        raise UserNotFound()
    return user


def find_by_email(email: str) -> User | None:
    """The account of `email`, whatever the case it was registered with."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


@dataclass(frozen=True, slots=True)
class Credentials:
    """An account as a password check sees it, read without holding a connection afterwards."""

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    password_hash: str
    is_active: bool
    session_generation: int


_CREDENTIALS = select(*(User.__table__.c[field.name] for field in fields(Credentials)))


def _read_credentials(condition) -> Credentials | None:
    with read_connection() as connection:
        row = connection.execute(_CREDENTIALS.where(condition)).first()
    return Credentials(*row) if row is not None else None


def credentials(user_id) -> Credentials | None:
    """What checking a password of the account `user_id` needs, on a connection of its own."""
    return _read_credentials(User.__table__.c.id == user_id)


def credentials_by_email(email: str) -> Credentials | None:
    """The same, for the account of `email` (whatever its case)."""
    return _read_credentials(func.lower(User.__table__.c.email) == email.lower())


def email_taken(email: str) -> bool:
    """Whether an account has `email`, read on a connection of its own (before a hash)."""
    with read_connection() as connection:
        return connection.execute(
            select(User.__table__.c.id).where(func.lower(User.__table__.c.email) == email.lower())
        ).first() is not None


def check_password_policy(password: str, *, field: str = "password", **personal) -> None:
    problems = password_policy.problems(password, **personal)
    if problems:
        raise WeakPassword(problems, field=field)


def has_password(user: User) -> bool:
    """False for an account created without one (invited: `accounts/invitations.py`)."""
    return is_usable(user.password_hash)


def create_user(*, email: str, password: str | None, **fields) -> User:
    """Insert a user; a taken email (even by a concurrent request) is EmailTaken, never a 500.

    `password=None` creates the account without a password: it cannot sign in (a login is the
    usual 401) until its owner chooses one through an invitation. The email is looked up before
    the hash, without holding a connection through it; the INSERT skips a row whose email a
    concurrent request took meanwhile (`ON CONFLICT DO NOTHING`), which is EmailTaken too, and
    the caller's transaction goes on unharmed."""
    if email_taken(email):
        raise EmailTaken()
    if password is None:
        password_hash = unusable_hash()
    else:
        check_password_policy(
            password, email=email, first_name=fields.get("first_name"), last_name=fields.get("last_name")
        )
        try:
            with hash_bulkhead.slot():
                # Registrations of one email at once all passed the check above: the one that got
                # in first may have taken it meanwhile, and then no hash is needed to say so.
                if email_taken(email):
                    raise EmailTaken()
                password_hash = hash_password(password)
        except HashingBusy:
            if email_taken(email):  # the true answer, rather than "come back later"
                raise EmailTaken() from None
            raise
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    user = db.session.scalar(
        dialect.insert(User)
        .values(email=email, password_hash=password_hash, **fields)
        .on_conflict_do_nothing()
        .returning(User)
    )
    if user is None:
        raise EmailTaken()
    return user


def register(data: dict, actor) -> User:
    """Self-registration creates only the roles in SELF_REGISTRATION_ROLES; an admin_general
    (`actor`, the caller's token user or None) creates any."""
    role = data["role"]
    if role not in settings().SELF_REGISTRATION_ROLES and not is_admin_general(actor):
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


def lock(user_id) -> None:
    """Hold the account's row until the commit, with a write that changes nothing (SQLite takes
    its one write lock with it, PostgreSQL the row's). What must count or change an account's
    links and sessions atomically takes it first: concurrent requests for one account queue here,
    and every such change locks the user's row before anything else, so none deadlock."""
    db.session.execute(
        update(User).where(User.id == user_id).values(updated_at=User.updated_at),
        execution_options={"synchronize_session": False},
    )


def check_new_password(user: User, password: str, *, field: str = "new_password") -> None:
    """The policy, for a new password of `user` (WeakPassword)."""
    check_password_policy(
        password, field=field, email=user.email, first_name=user.first_name, last_name=user.last_name
    )


def new_password_hash(user: User, password: str, *, field: str = "new_password") -> str:
    """The hash of a new password for `user`, once the policy accepts it, made in one of the
    worker's hashing slots (security/hash_bulkhead.py); nothing is written."""
    check_new_password(user, password, field=field)
    with hash_bulkhead.slot():
        return hash_password(password)


def set_password(user: User, password: str, *, field: str = "new_password") -> None:
    replace_password(user, new_password_hash(user, password, field=field))


def replace_password(user: User, password_hash: str) -> None:
    """Store a new hash; every session of the user and every reset link still out end with it."""
    user.password_hash = password_hash
    end_sessions_and_links(user.id, reason="password_changed")


def end_sessions_and_links(user_id, *, reason: str) -> None:
    """What a new password, a new role or a deactivation ends: every session of the user (its row
    written first) and every reset link not yet used, which a reactivation does not revive."""
    sessions.end_all(user_id, reason=reason)
    end_reset_links(user_id)


def end_reset_links(user_id, now=None) -> None:
    """Mark every reset link of the user that is still out superseded (a newer one, or a change
    that must end them all)."""
    link_tokens.supersede(PasswordResetToken, user_id, now or utcnow())
