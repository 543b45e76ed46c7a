"""Account administration: what an admin_general does through /api/users and an operator through
`flask users`, with the same rules and the same audit trail for both.

Every change writes its audit action with the fields before and after (never a password, hash or
token); the acting user comes from the audit origin (the request's token, or none for a command,
whose `user_agent` is the command line). A role change, a deactivation and a password set by an
administrator end every session of the user at once, on every worker and instance, and every
reset link still out (`store.end_sessions_and_links`). Nothing here commits.

The last active admin_general can be neither deactivated nor given another role
(`LastAdminGeneral`). Two administrators acting at the same moment must not both get through:
the change is written first and the remaining active admin_generals counted after it, in the same
transaction. On PostgreSQL the active admin_general rows are first locked (`SELECT ... FOR
UPDATE`, in id order so that concurrent changes queue rather than deadlock): a second change
waits for the first to commit and then counts what it left. SQLite serializes writers: the second
change's write waits for the first to commit, and its count, made after its own write, sees it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from .. import audit, sessions
from ..audit import actions
from ..database import LIKE_ESCAPE, like_pattern
from ..exceptions import LastAdminGeneral, UserNotFound
from ..extensions import db
from ..models import User
from ..models.types import utcnow
from ..roles import ADMIN_GENERAL, ROLES
from .store import create_user, credentials, end_sessions_and_links, new_password_hash, replace_password

# The fields PUT /api/users/{id} may change, besides `role` and `is_active`.
PROFILE_FIELDS = ("first_name", "last_name", "phone", "program", "ficha", "avatar_url", "environment_id")
RECENT_DAYS = 7


# Reading ---------------------------------------------------------------------------------------


def _as_id(user_id) -> uuid.UUID:
    """A malformed id is as unknown as a missing one."""
    if isinstance(user_id, uuid.UUID):
        return user_id
    try:
        return uuid.UUID(str(user_id))
    except ValueError:
        raise UserNotFound() from None


def get(user_id) -> User:
    """The account with this id; a malformed id is as unknown as a missing one."""
    user = db.session.get(User, _as_id(user_id))
    if user is None:
        raise UserNotFound()
    return user


@dataclass(frozen=True)
class Filters:
    role: str | None = None
    is_active: bool | None = None
    search: str | None = None
    created_from: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive




def _conditions(filters: Filters) -> list:
    conditions = []
    if filters.role is not None:
        conditions.append(User.role == filters.role)
    if filters.is_active is not None:
        conditions.append(User.is_active == filters.is_active)  # `=`, not `IS`: an index condition
    if filters.search:
        pattern = like_pattern(filters.search)
        searched = (User.first_name, User.last_name, User.email)
        conditions.append(or_(*(column.ilike(pattern, escape=LIKE_ESCAPE) for column in searched)))
    if filters.created_from is not None:
        conditions.append(User.created_at >= filters.created_from)
    if filters.created_before is not None:
        conditions.append(User.created_at < filters.created_before)
    return conditions


def list_users(filters: Filters, *, skip: int = 0, limit: int = 100) -> tuple[list[User], int]:
    """One page of the matching accounts, newest first (ties by id), and how many match in all."""
    conditions = _conditions(filters)
    page = db.session.scalars(
        select(User)
        .where(*conditions)
        .order_by(User.created_at.desc(), User.id.desc())
        .offset(skip)
        .limit(limit)
    ).all()
    if len(page) < limit and (page or skip == 0):
        return list(page), skip + len(page)  # the last page: no need to count
    total = db.session.scalar(select(func.count()).select_from(User).where(*conditions))
    return list(page), total


def stats(now: datetime | None = None) -> dict:
    """Totals for the administration screen: counts by role and state (an index-only scan of the
    role/state index) and the registrations of the last days (a range of the creation index)."""
    since = (now or utcnow()) - timedelta(days=RECENT_DAYS)
    by_role = dict.fromkeys(ROLES, 0)
    total = active = 0
    for role, is_active, count in db.session.execute(
        select(User.role, User.is_active, func.count()).group_by(User.role, User.is_active)
    ):
        by_role[role] = by_role.get(role, 0) + count
        total += count
        active += count if is_active else 0
    recent = db.session.scalar(select(func.count()).select_from(User).where(User.created_at >= since))
    return {
        "total_users": total,
        "active_users": active,
        "inactive_users": total - active,
        "users_by_role": {role: by_role[role] for role in ROLES},
        "recent_registrations": recent,
    }


# Changing --------------------------------------------------------------------------------------


def create(data: dict, *, is_active: bool = True) -> User:
    """An account of any role; the password policy applies."""
    user = create_user(**data, is_active=is_active)
    public = {key: value for key, value in data.items() if key != "password"}
    if not is_active:
        public["is_active"] = False
    audit.record(actions.USER_CREATE, entity_id=user.id, new=public)
    return user


def _lock_active_admins_general() -> None:
    """Lock the active admin_general rows until the transaction ends (PostgreSQL; a no-op on
    SQLite, whose writers are serialized anyway)."""
    db.session.execute(
        select(User.id)
        .where(User.role == ADMIN_GENERAL, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()


def _active_admins_general() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(and_(User.role == ADMIN_GENERAL, User.is_active.is_(True)))
    )


def _takes_away_admin_general(changes: dict) -> bool:
    return ("role" in changes and changes["role"] != ADMIN_GENERAL) or changes.get("is_active") is False


def update(user_id, changes: dict) -> User:
    """Change any of PROFILE_FIELDS, `role` and `is_active`; each kind of change is audited as
    its own action (USER_UPDATE, USER_ROLE_CHANGE, USER_DEACTIVATE / USER_ACTIVATE)."""
    guarded = _takes_away_admin_general(changes)
    if guarded:
        _lock_active_admins_general()
    user = get(user_id)
    if guarded:
        # Read again after the lock: another administrator may just have changed this account.
        db.session.refresh(user)
    was_admin_general = user.role == ADMIN_GENERAL and user.is_active

    profile = {name: value for name, value in changes.items() if name in PROFILE_FIELDS}
    before, after = audit.changes(user, profile)
    for name, value in after.items():
        setattr(user, name, value)
    if after:
        audit.record(actions.USER_UPDATE, entity_id=user.id, old=before, new=after)

    if "role" in changes and changes["role"] != user.role:
        old_role = user.role
        user.role = changes["role"]
        end_sessions_and_links(user.id, reason="role_changed")
        audit.record(
            actions.USER_ROLE_CHANGE, entity_id=user.id, old={"role": old_role}, new={"role": user.role}
        )

    if "is_active" in changes and changes["is_active"] != user.is_active:
        _set_active(user, changes["is_active"])

    if guarded and was_admin_general:
        db.session.flush()
        if _active_admins_general() == 0:
            raise LastAdminGeneral()
    return user


def _set_active(user: User, active: bool) -> None:
    user.is_active = active
    if not active:
        end_sessions_and_links(user.id, reason="deactivated")
    action = actions.USER_ACTIVATE if active else actions.USER_DEACTIVATE
    audit.record(action, entity_id=user.id, old={"is_active": not active}, new={"is_active": active})


def set_role(user_id, role: str) -> User:
    return update(user_id, {"role": role})


def deactivate(user_id) -> User:
    """Soft delete: the account stays, it can no longer log in, its tokens stop working."""
    return update(user_id, {"is_active": False})


def activate(user_id) -> User:
    return update(user_id, {"is_active": True})


def set_password(user_id, password: str, *, field: str = "new_password") -> User:
    """An administrator sets the password (policy applies); every session of the user ends. The
    account is read, and the password hashed, before the session takes a connection."""
    account = credentials(_as_id(user_id))
    if account is None:
        raise UserNotFound()
    password_hash = new_password_hash(account, password, field=field)
    user = get(account.id)
    replace_password(user, password_hash)
    audit.record(actions.USER_SET_PASSWORD, entity_id=user.id)
    return user


def end_sessions(user_id) -> int:
    """End every session of the user (a lost phone); how many were live."""
    user = get(user_id)
    ended = sessions.end_all(user.id, reason="revoked_by_admin")
    audit.record(actions.USER_LOGOUT, entity_id=user.id, new={"sessions_ended": len(ended)})
    return len(ended)


__all__ = [
    "Filters", "PROFILE_FIELDS", "activate", "create", "deactivate", "end_sessions",
    "get", "list_users", "set_password", "set_role", "stats", "update",
]
