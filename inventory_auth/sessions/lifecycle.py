"""Login sessions: started at login, kept alive by refresh token rotation, ended by logout.

A session is one row of `auth_sessions` (see that model for the rotation scheme). Ending a session
is immediate for every worker and instance: the row is marked revoked, and every request's token
check reads that row (`token_check.py`).

Nothing here commits: the view or command that calls it does, so that a session starts, or ends,
in the same transaction as the change that caused it.

A login checks a password for ~150 ms against the user's row as it was read; a password reset, an
administrator's change or a logout-all may commit meanwhile. Whichever commits first, the session
must not outlive that change: `end_all` first moves the user's `session_generation` on (locking
the row until its commit), and a login `claim`s the row, only if the generation is still the one
it read, before it starts its session. On PostgreSQL (READ COMMITTED) the second of the two waits
for the first's row lock: a claim that waited re-reads the row and finds the generation moved;
an `end_all` that waited ends, with its next statement, the session the login committed. SQLite
runs one writer at a time, with the same outcome.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, delete, or_, select, update

from .. import audit
from ..audit import actions
from ..config import settings
from ..exceptions import InvalidToken, RefreshTokenReused
from ..extensions import db
from ..models import AuthSession, User
from ..models.types import utcnow
from . import legacy_tokens
from .tokens import decode_refresh_token, token_pair


def _expiry(now, created_at):
    config = settings()
    return min(now + config.REFRESH_TOKEN_EXPIRES, created_at + config.SESSION_MAX_AGE)


def start(user: User) -> dict:
    """Open a session for `user` and return its first token pair.

    The user's dead sessions (revoked or expired) are deleted on the way, so they do not pile up,
    and beyond `SESSION_MAX_PER_USER` live sessions the oldest end (through `end_sessions`, so
    every worker and instance learns it).
    """
    prune(user)
    end_beyond_cap(user)
    now = utcnow()
    session = AuthSession(
        id=uuid.uuid4(),
        user_id=user.id,
        current_jti=uuid.uuid4(),
        refreshed_at=now,
        created_at=now,
        expires_at=_expiry(now, now),
    )
    db.session.add(session)
    return token_pair(user, session)


# Built once (it runs on every login): the user's live sessions, newest first, past `keep`.
_BEYOND_CAP = (
    select(AuthSession.__table__.c.id)
    .where(
        AuthSession.__table__.c.user_id == bindparam("user_id"),
        AuthSession.__table__.c.revoked_at.is_(None),
    )
    .order_by(AuthSession.__table__.c.created_at.desc(), AuthSession.__table__.c.id)
    .offset(bindparam("keep"))
)


def end_beyond_cap(user: User) -> list[uuid.UUID]:
    """Make room for one more session: end the user's oldest live ones beyond the cap, less one.

    Call after `prune(user)`, which leaves only live sessions. Concurrent logins of one account
    run one at a time (the lockout's lease), so the cap holds under a burst too.
    """
    keep = settings().SESSION_MAX_PER_USER - 1
    oldest = db.session.scalars(_BEYOND_CAP, {"user_id": user.id, "keep": keep}).all()
    if not oldest:
        return []
    return end_sessions(AuthSession.id.in_(oldest), reason="session_limit")


def refresh(refresh_token: str) -> dict:
    """Rotate a session's refresh token and return a new pair, with the user.

    The current token rotates. The one it replaced, presented again within the grace window
    (a client retrying over a bad network), gets the same pair back. Any other token of the
    family was stolen and used: the whole session ends (RefreshTokenReused, which the caller
    commits before answering, so that the revocation holds).
    """
    claims = decode_refresh_token(refresh_token)
    session = db.session.get(AuthSession, claims.session_id)
    if session is None or session.user_id != claims.user_id or session.is_revoked:
        raise InvalidToken()
    user = db.session.get(User, claims.user_id)
    now = utcnow()
    if user is None or not user.is_active or session.expires_at <= now:
        raise InvalidToken()

    if claims.jti == session.current_jti:
        rotated = db.session.execute(
            update(AuthSession)
            .where(
                AuthSession.id == session.id,
                AuthSession.current_jti == claims.jti,
                AuthSession.revoked_at.is_(None),
            )
            .values(
                previous_jti=claims.jti,
                current_jti=uuid.uuid4(),
                refreshed_at=now,
                expires_at=_expiry(now, session.created_at),
            )
        )
        # Read committed: after waiting on the row, a losing concurrent rotation sees the winner's.
        db.session.refresh(session)
        if rotated.rowcount == 1:
            return {**token_pair(user, session), "user": user}
        # A concurrent refresh with the same token won the race: treat this one as its retry.

    grace = settings().REFRESH_REUSE_GRACE
    if not session.is_revoked and claims.jti == session.previous_jti and now - session.refreshed_at <= grace:
        return {**token_pair(user, session), "user": user}

    end_sessions(AuthSession.id == session.id, reason="refresh_reuse")
    audit.record(actions.REFRESH_TOKEN_REUSE, entity_id=user.id, new={"session_id": session.id})
    raise RefreshTokenReused()


def end_sessions(condition, *, reason: str) -> list[uuid.UUID]:
    """Revoke the live sessions matching `condition` (the caller commits)."""
    ended = db.session.scalars(
        update(AuthSession)
        .where(condition, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .returning(AuthSession.id)
    ).all()
    return ended


def end_session(session_id: uuid.UUID, *, reason: str = "logout") -> None:
    end_sessions(AuthSession.id == session_id, reason=reason)


def logout(user_id: uuid.UUID, session_id: uuid.UUID | None) -> None:
    """The user ends one of its own sessions. With a token of the previous backend (no session,
    `session_id` None) that ends every token of the previous backend the user holds."""
    if session_id is None:
        legacy_tokens.revoke(user_id)
        audit.record(actions.LOGOUT, actor_id=user_id, entity_id=user_id,
                     new={"legacy_tokens": True})
        return
    end_session(session_id)
    audit.record(actions.LOGOUT, actor_id=user_id, entity_id=user_id)


def logout_all(user_id: uuid.UUID) -> None:
    """The user ends every session of its own, on every device."""
    end_all(user_id, reason="logout_all")
    audit.record(actions.LOGOUT_ALL, actor_id=user_id, entity_id=user_id)


def end_all(user_id: uuid.UUID, *, reason: str) -> list[uuid.UUID]:
    """End every session of the user, and every token of the previous backend it holds; the
    user's row is written (and locked) first, so that no login racing this one keeps a session."""
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_generation=User.session_generation + 1, updated_at=User.updated_at),
        execution_options={"synchronize_session": False},
    )
    legacy_tokens.revoke(user_id)
    return end_sessions(AuthSession.user_id == user_id, reason=reason)


def claim(user_id: uuid.UUID, generation: int, **values) -> User | None:
    """Write `values` (e.g. `last_login`) to the user's row, locking it until the commit, only if
    nothing ended the user's sessions since the row was read with `generation` (its
    `session_generation`); the user as the row is now, loaded with the write. None if something
    did: the password just checked, or the state it was checked in, is superseded."""
    return db.session.scalar(
        update(User)
        .where(User.id == user_id, User.session_generation == generation)
        .values(values or {"session_generation": User.session_generation, "updated_at": User.updated_at})
        .returning(User),
        execution_options={"synchronize_session": False},
    )


def prune(user: User | None = None) -> int:
    """Delete sessions that can no longer be used: revoked, or past their expiry.

    A missing row means a dead session everywhere (tokens naming it are refused), so rows can go
    as soon as they are dead.
    """
    condition = or_(AuthSession.revoked_at.is_not(None), AuthSession.expires_at < utcnow())
    if user is not None:
        condition = (AuthSession.user_id == user.id) & condition
    result = db.session.execute(delete(AuthSession).where(condition))
    return result.rowcount
