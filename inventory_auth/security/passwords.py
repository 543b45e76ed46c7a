"""Password hashing and verification.

New hashes use Werkzeug with `PASSWORD_HASH_METHOD` (default PBKDF2-SHA256, 600,000 iterations,
the OWASP Password Storage Cheat Sheet's figure). Hashes of the previous backend (passlib bcrypt,
`$2b$12$...`) still verify, and any hash not made with the current method is reported by
`needs_rehash` so that login can replace it.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

import bcrypt
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
BCRYPT_MAX_BYTES = 72


def _method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method())


def _stored_method(stored: str) -> str:
    if stored.startswith(BCRYPT_PREFIXES):
        return "bcrypt"
    return stored.split("$", 1)[0]


@lru_cache(maxsize=8)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


@lru_cache(maxsize=8)
def canonical_method(method: str) -> str:
    """The method as Werkzeug writes it into a hash (`scrypt` becomes `scrypt:32768:8:1`)."""
    return _stored_method(_dummy_hash(method))


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`. Never raises on a malformed hash."""
    if not stored:
        return False
    if stored.startswith(BCRYPT_PREFIXES):
        # passlib's bcrypt, like bcrypt itself, only ever read the first 72 bytes: the hashes it
        # made can only be checked the same way. New hashes are never bcrypt.
        try:
            return bcrypt.checkpw(password.encode()[:BCRYPT_MAX_BYTES], stored.encode())
        except ValueError:
            return False
    try:
        return check_password_hash(stored, password)
    except ValueError:
        return False


def needs_rehash(stored: str) -> bool:
    return _stored_method(stored) != canonical_method(_method())


def burn_verify(password: str) -> None:
    """Spend the same work as a real verification, for logins of unknown emails."""
    check_password_hash(_dummy_hash(_method()), password)


def warm_up(method: str) -> None:
    """Compute the dummy hash at start-up, not inside the first unlucky login."""
    _dummy_hash(method)
