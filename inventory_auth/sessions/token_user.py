"""What a token check hands the views: the token's user as read at the check, never the ORM entity.

`COLUMNS` are the `users` columns it is read from, in field order: the token check
(`token_check.py`) and the previous backend's tokens (`legacy_tokens.py`) both select them.
The snapshot never holds the password hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime

from ..models import User


@dataclass(frozen=True, slots=True)
class TokenUser:
    """The UserResponse fields of the token's user, at the time of the check."""

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: str
    phone: str | None
    program: str | None
    ficha: str | None
    environment_id: uuid.UUID | None
    avatar_url: str | None
    is_active: bool
    last_login: datetime | None
    created_at: datetime
    updated_at: datetime


COLUMNS = tuple(User.__table__.c[field.name] for field in fields(TokenUser))
