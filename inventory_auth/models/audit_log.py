"""The `audit_logs` table: one row per security event, written in the transaction it records.

The columns are those of the previous backend's `audit_logs`, which the rest of the inventory
system also writes: on its database the table is adopted as it is (migration 0003), so that
rows of every writer show together. `user_id` is who acted (null when unknown: a failed login for
an unknown email, a command on the server); `entity_type`/`entity_id` what was acted on.
"""

import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import NaiveUTCDateTime, utcnow

JSON_VALUES = JSON().with_variant(postgresql.JSONB(), "postgresql")
IP_ADDRESS = String(45).with_variant(postgresql.INET(), "postgresql")

ACTION_MAX = 100
ENTITY_TYPE_MAX = 50
SESSION_ID_MAX = 100


class AuditLog(db.Model):
    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_created_at", "created_at"),
        Index("ix_audit_logs_user_id_created_at", "user_id", "created_at"),
        Index("ix_audit_logs_action_created_at", "action", "created_at"),
        Index("ix_audit_logs_entity", "entity_type", "entity_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(ACTION_MAX), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(ENTITY_TYPE_MAX), nullable=False)
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    old_values = mapped_column(JSON_VALUES)
    new_values = mapped_column(JSON_VALUES)
    ip_address: Mapped[str | None] = mapped_column(IP_ADDRESS)
    user_agent: Mapped[str | None] = mapped_column(Text)
    session_id: Mapped[str | None] = mapped_column(String(SESSION_ID_MAX))
    created_at = mapped_column(NaiveUTCDateTime, default=utcnow)
