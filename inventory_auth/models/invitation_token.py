"""The `invitation_tokens` table: one row per invitation link handed out (by mail or by an operator).

An invited account has no password (`security/passwords.unusable_hash`); the link lets its owner
choose the first one at `/activar-cuenta`. Stored like reset links (`password_reset_token.py`):
only the SHA-256 digest of a 256-bit random token. A link works once (`used_at`), until
`expires_at` (`INVITATION_EXPIRE_HOURS`), and only while it is the newest of its user (a new
invitation marks the older ones `superseded_at`). Its own table, because reset links are counted
per account for their limit and an invitation must not spend it.
"""

import uuid

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .password_reset_token import TOKEN_HASH_LENGTH
from .types import UTCDateTime, utcnow


class InvitationToken(db.Model):
    __tablename__ = "invitation_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), nullable=False, unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    used_at = mapped_column(UTCDateTime)
    superseded_at = mapped_column(UTCDateTime)
