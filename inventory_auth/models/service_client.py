"""The `service_clients` table: the other services allowed to call POST /api/auth/introspect.

A service authenticates with HTTP Basic, its name and a secret of 32 random bytes that
`flask services create` prints once. Only the SHA-256 digest of the secret is stored: the secret
cannot be guessed or searched for (256 bits), so a slow password hash would add CPU to every
call and no safety, exactly as for password reset tokens. `revoked_at` ends a credential at once.
"""

import uuid

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

SECRET_HASH_LENGTH = 64  # hex SHA-256
NAME_LENGTH = 64


class ServiceClient(db.Model):
    __tablename__ = "service_clients"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False, unique=True)
    secret_hash: Mapped[str] = mapped_column(String(SECRET_HASH_LENGTH), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = mapped_column(UTCDateTime)
