"""The `auth_sessions` table: one row per login, the family of its refresh tokens.

Only the current refresh token of a session works. Each refresh replaces it (rotation) and keeps
the one it replaced as `previous_jti`, so that a client retrying a refresh whose answer it lost
gets that answer again, within the grace window. Any other refresh token of the family
presented again means it was stolen and used: the session is revoked.
"""

import uuid

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuthSession(db.Model):
    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The refresh token that works now, and when it was issued and expires.
    current_jti: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    refreshed_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False, index=True)
    # The refresh token it replaced: honoured again only within the grace window.
    previous_jti: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
