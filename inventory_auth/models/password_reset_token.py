"""The `password_reset_tokens` table: one row per reset link handed out (by mail or by an operator).

Only a SHA-256 digest of the token is stored. The token is 32 random bytes (256 bits) from
`secrets`: nobody can guess it or search the digest space for it, so a fast hash is enough, and
unlike a password it needs no salt or slow KDF (those exist to slow down guessing low-entropy
secrets). A leaked table therefore holds no usable link, and a lookup is one indexed equality.

A link works once (`used_at`), until `expires_at`, and only while it is the newest of its user: a
newer request marks the older ones `superseded_at`. Rows are deleted with their user, and a user's
long-dead rows are deleted when that user asks again (see `accounts/password_reset.py`).
"""

import uuid

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

TOKEN_HASH_LENGTH = 64  # hex SHA-256


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), nullable=False, unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    used_at = mapped_column(UTCDateTime)
    superseded_at = mapped_column(UTCDateTime)
