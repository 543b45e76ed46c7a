"""Service credentials: a name and a random secret, of which only a SHA-256 digest is kept.

The secret is 32 bytes from `secrets` (256 bits). Nobody can guess it or search the digest space
for it, so a fast hash protects it as well as a slow one would, and costs microseconds per call
instead of the ~100 ms of a password hash (introspection is called for every request a service
wants checked at once; a password hash there would be a denial-of-service lever). The caller
commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import select

from ..exceptions import ServiceClientExists, UnknownServiceClient
from ..extensions import db
from ..models import ServiceClient
from ..models.service_client import NAME_LENGTH
from ..models.types import utcnow

NAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{NAME_LENGTH - 1}}}")
SECRET_BYTES = 32


def valid_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str | None) -> bool:
    """Whether `secret` is the one whose digest is stored (constant time)."""
    return stored_digest is not None and hmac.compare_digest(digest(secret), stored_digest)


def create(name: str) -> tuple[ServiceClient, str]:
    """A new credential for the service `name`, and its secret (shown once, never stored)."""
    if db.session.scalar(select(ServiceClient.id).where(ServiceClient.name == name)) is not None:
        raise ServiceClientExists()
    secret = secrets.token_urlsafe(SECRET_BYTES)
    client = ServiceClient(name=name, secret_hash=digest(secret))
    db.session.add(client)
    db.session.flush()
    return client, secret


def list_clients() -> list[ServiceClient]:
    return list(db.session.scalars(select(ServiceClient).order_by(ServiceClient.name)))


def revoke(name: str, now: datetime | None = None) -> ServiceClient:
    """End the credential at once: its next call is refused."""
    client = db.session.scalar(
        select(ServiceClient).where(ServiceClient.name == name, ServiceClient.revoked_at.is_(None))
    )
    if client is None:
        raise UnknownServiceClient()
    client.revoked_at = now or utcnow()
    db.session.flush()
    return client
