"""Single-use tokens carried by a mailed link (password reset, invitation), one table each.

A token is 32 random bytes from the OS's CSPRNG, URL-safe; only its SHA-256 digest is stored (a
guess-proof secret needs no salt nor slow hash: `models/password_reset_token.py`). A row is usable
while not used, not superseded by a newer one of its user, and not expired. Nothing here commits.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select, update

from ..database import read_connection
from ..extensions import db

TOKEN_BYTES = 32  # 256 bits
# Longest token the API and the pages read (a real one has 43 characters).
TOKEN_MAX_LENGTH = 256


def new_token() -> tuple[str, str]:
    """A fresh token and the digest that is stored for it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def store(model, user_id: uuid.UUID, digest: str, now, lifetime) -> None:
    """Add a live token row of `model` for the user, valid for `lifetime` (a timedelta)."""
    db.session.add(
        model(id=uuid.uuid4(), user_id=user_id, token_hash=digest, created_at=now, expires_at=now + lifetime)
    )


def supersede(model, user_id: uuid.UUID, now) -> None:
    """Mark every live token of the user superseded (a newer one is being handed out)."""
    db.session.execute(
        update(model)
        .where(model.user_id == user_id, model.used_at.is_(None), model.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )


def usable_row(model, token: str, now):
    """The row of `token` (`id`, `user_id`) if it can still be used, else None; read on a
    connection of its own, so that a password hash may follow without one held."""
    table = model.__table__
    with read_connection() as connection:
        row = connection.execute(
            select(table.c.id, table.c.user_id, table.c.used_at, table.c.superseded_at, table.c.expires_at)
            .where(table.c.token_hash == token_digest(token))
        ).first()
    if row is None or row.used_at is not None or row.superseded_at is not None or row.expires_at <= now:
        return None
    return row


def use(model, row_id: uuid.UUID, now) -> bool:
    """Mark the token used; False when a concurrent request used or superseded it first."""
    used = db.session.execute(
        update(model)
        .where(model.id == row_id, model.used_at.is_(None), model.superseded_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1
