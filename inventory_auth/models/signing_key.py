"""The `signing_keys` table: the keys that sign and verify tokens under an asymmetric ALGORITHM.

One row per key: its `kid` (RFC 7638 thumbprint), algorithm, public JWK, the instant it starts
signing, and, for keys made by `flask keys rotate`, the private key encrypted with a passphrase
derived from SECRET_KEY (`signing/material.py`). The key of JWT_PRIVATE_KEY_FILE gets a row without
a private key when it is first rotated out, so that its history is recorded like any other. A key
stops signing when the next one starts; `retired_at` (`flask keys retire`) ends it at once. Every
worker of every instance reads this table (`signing/keyring.py`), so all agree on the signing key.
"""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class SigningKey(db.Model):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False)
    public_jwk: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    private_key: Mapped[str | None] = mapped_column(Text)  # sealed PEM; NULL: the file's key
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    signs_from = mapped_column(UTCDateTime, nullable=False)
    retired_at = mapped_column(UTCDateTime)
