"""Password hashing and verification.

New hashes use Werkzeug with `PASSWORD_HASH_METHOD` (default PBKDF2-SHA256, 600,000 iterations,
the OWASP Password Storage Cheat Sheet's figure). Hashes of the previous backend (passlib bcrypt,
`$2b$12$...`) still verify, and any hash not made with the current method is reported by
`needs_rehash` (and by `verify(...).rehash`) so that login can replace it.

Passwords are hashed and checked in Unicode NFKC form (NIST SP 800-63B, 5.1.1.2), so that the
same password typed on another keyboard or system (composed `é` or `e` + combining accent,
full-width digits) is the same password. Hashes made before that from a password that NFKC
changes still verify: the raw form is tried when the normalized one fails, and a match on the
raw form asks for a rehash.

Every failed verification costs the same work whatever the stored hash is: one check in the
current method and one bcrypt check at the previous backend's cost (`LEGACY_BCRYPT_ROUNDS`) for
each form tried, the real one against the stored hash and the other against a dummy. An unknown
email (`burn_verify`) spends exactly that too. So a wrong password does not tell an account still
on its bcrypt hash from a migrated one or from an unknown email (docs/security.md).
"""

from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import bcrypt
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
BCRYPT_MAX_BYTES = 72


class Verification(NamedTuple):
    ok: bool
    rehash: bool = False  # ok, and the stored hash should be replaced by hash_password(password)

    def __bool__(self) -> bool:
        return self.ok


def normalize(password: str) -> str:
    """The form a password is hashed and judged in: Unicode NFKC."""
    return unicodedata.normalize("NFKC", password)


def forms(password: str) -> tuple[str, ...]:
    """The forms to try: the normalized one, then the raw one when it differs."""
    normalized = normalize(password)
    return (normalized,) if normalized == password else (normalized, password)


def _method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _legacy_rounds() -> int:
    return current_app.config.get("LEGACY_BCRYPT_ROUNDS", 12)


def hash_password(password: str) -> str:
    return generate_password_hash(normalize(password), method=_method())


def _stored_method(stored: str) -> str:
    if stored.startswith(BCRYPT_PREFIXES):
        return "bcrypt"
    return stored.split("$", 1)[0]


@lru_cache(maxsize=8)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


@lru_cache(maxsize=8)
def _dummy_bcrypt(rounds: int) -> bytes:
    return bcrypt.hashpw(secrets.token_urlsafe(16).encode(), bcrypt.gensalt(rounds))


@lru_cache(maxsize=8)
def canonical_method(method: str) -> str:
    """The method as Werkzeug writes it into a hash (`scrypt` becomes `scrypt:32768:8:1`)."""
    return _stored_method(_dummy_hash(method))


def _bcrypt_matches(password: str, stored: bytes) -> bool:
    # passlib's bcrypt, like bcrypt itself, only ever read the first 72 bytes of the raw UTF-8
    # password: the hashes it made can only be checked the same way. New hashes are never bcrypt.
    return bcrypt.checkpw(password.encode()[:BCRYPT_MAX_BYTES], stored)


def _burn(tried: tuple[str, ...], spent: str | None) -> None:
    """Spend, for each form, the checks a failure did not already spend (`spent`: "bcrypt",
    "werkzeug" or None), so that every failure costs the same."""
    rounds = _legacy_rounds()
    for form in tried:
        if spent != "werkzeug":
            check_password_hash(_dummy_hash(_method()), form)
        if spent != "bcrypt" and rounds:
            _bcrypt_matches(form, _dummy_bcrypt(rounds))


def verify(password: str, stored: str | None) -> Verification:
    """Does `password` match `stored`, and should the hash be replaced? Never raises on a
    malformed hash. A failure costs the same whatever `stored` is (and as `burn_verify`)."""
    tried = forms(password)
    if not stored:
        _burn(tried, None)
        return Verification(False)
    if stored.startswith(BCRYPT_PREFIXES):
        try:
            # The previous backend hashed the raw password: try that first.
            if any(_bcrypt_matches(form, stored.encode()) for form in reversed(tried)):
                return Verification(True, rehash=True)
        except ValueError:
            _burn(tried, None)
            return Verification(False)
        _burn(tried, "bcrypt")
        return Verification(False)
    try:
        for index, form in enumerate(tried):
            if check_password_hash(stored, form):
                # index 1: the raw form of a password NFKC changes, hashed before normalization.
                return Verification(True, rehash=index > 0 or needs_rehash(stored))
    except ValueError:
        _burn(tried, None)
        return Verification(False)
    _burn(tried, "werkzeug")
    return Verification(False)


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`. Never raises on a malformed hash."""
    return verify(password, stored).ok


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with another method. A hash that matched only the raw form of
    the password needs one too: `verify(...).rehash` says both."""
    return _stored_method(stored) != canonical_method(_method())


def burn_verify(password: str) -> None:
    """Spend the same work as a failed verification, for logins of unknown emails."""
    _burn(forms(password), None)


def warm_up(method: str, legacy_rounds: int | None = None) -> None:
    """Compute the dummy hashes at start-up, not inside the first unlucky login."""
    _dummy_hash(method)
    if legacy_rounds:
        _dummy_bcrypt(legacy_rounds)
