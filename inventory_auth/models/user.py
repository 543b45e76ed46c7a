"""The `users` table: the accounts of students, instructors, supervisors and administrators."""

import uuid

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Uuid, func, text, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..roles import ROLES
from .types import UTCDateTime, utcnow

# Column lengths of the previous backend; the schemas enforce them too.
EMAIL_MAX = 255
ROLE_MAX = 20
NAME_MAX = 100
PHONE_MAX = 20
PROGRAM_MAX = 100
FICHA_MAX = 20
AVATAR_URL_MAX = 500

ROLE_CHECK = "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")"


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="role"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    first_name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    last_name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    role: Mapped[str] = mapped_column(String(ROLE_MAX), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    program: Mapped[str | None] = mapped_column(String(PROGRAM_MAX))
    ficha: Mapped[str | None] = mapped_column(String(FICHA_MAX))
    environment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    avatar_url: Mapped[str | None] = mapped_column(String(AVATAR_URL_MAX))
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    last_login = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, server_default=func.now())
    updated_at = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    # Tokens of the previous backend issued before this instant are dead (sessions/legacy_tokens.py).
    legacy_tokens_revoked_at = mapped_column(UTCDateTime)
    # One more each time every session of the user ends: a login starts its session only if it
    # has not moved since the password was checked (sessions/lifecycle.py, `claim`).
    session_generation: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )

    def __repr__(self):
        return f"<User {self.email} ({self.role})>"


# Emails are one account whatever their case: this index enforces it, and lookups use it.
Index("uq_users_email_lower", func.lower(User.email), unique=True)

# The administration list (accounts/admin.py): newest first (`created_at DESC, id DESC`, an index
# read backwards), optionally of one role and state, or of one state.
Index("ix_users_created_at_id", User.created_at, User.id)
Index("ix_users_role_active_created_at", User.role, User.is_active, User.created_at, User.id)
Index("ix_users_active_created_at", User.is_active, User.created_at, User.id)

# Its search, a case-insensitive substring (ILIKE '%...%') of each name and the email: trigram
# indexes, PostgreSQL only (migration 0004 creates the pg_trgm extension).
SEARCHED_COLUMNS = ("first_name", "last_name", "email")
for _column in SEARCHED_COLUMNS:
    Index(
        f"ix_users_{_column}_trgm",
        User.__table__.c[_column],
        postgresql_using="gin",
        postgresql_ops={_column: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")
