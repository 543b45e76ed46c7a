"""Password hashing and verification.

New hashes use Werkzeug with `PASSWORD_HASH_METHOD` (default PBKDF2-SHA256, 600,000 iterations,
the OWASP Password Storage Cheat Sheet's figure). Hashes of the previous backend (passlib bcrypt,
`$2b$12$...`) still verify, and any hash not made with the current method is reported by
`needs_rehash` (and by `verify(...).rehash`) so that login can replace it.

`PASSWORD_HASH_METHOD=bcrypt` is the way back to the previous backend (docs/migrating.md): new
hashes are then what passlib wrote, `$2b$` at `PASSWORD_BCRYPT_ROUNDS`, of the password as typed
(not normalized: the previous backend checks the raw password), so the previous backend can read
every hash made while it is the method; its own bcrypt hashes at that cost are kept, and any other
hash is replaced at the next login. bcrypt reads only the first 72 bytes, so the password policy
refuses longer new passwords while it is the method.

Passwords are hashed and checked in Unicode NFKC form (NIST SP 800-63B, 5.1.1.2), so that the
same password typed on another keyboard or system (composed `é` or `e` + combining accent,
full-width digits) is the same password. A bcrypt hash (the previous backend's, or one made while
bcrypt is the method) is of the password as typed, and is checked against that form only, as the
previous backend checks it. Each verification tries exactly one form: a password that NFKC
changes costs no more than any other (it once cost two of everything, both forms being tried).

Every failed verification costs the same work whatever the stored hash is: one check in the
current method and one bcrypt check at the previous backend's cost (`LEGACY_BCRYPT_ROUNDS`), the
real one against the stored hash and the other against a dummy. (A stored hash of the current
method, or of another method not yet replaced, stands for the first; a bcrypt hash, while bcrypt
is not the method, for the second.) An unknown email (`burn_verify`) spends exactly that too. So
a wrong password does not tell an account still on its bcrypt hash from a migrated one or from an
unknown email (docs/security.md), and no request checks more than that one failure's work.

An account without a password yet (invited, waiting for its owner to choose one) stores
`unusable_hash()`: `!` and random text, which no method produces and no password matches (the
column stays NOT NULL, as the previous backend's schema has it). Checking a password against it
costs what any failure costs, so a login to such an account is the usual wrong password.
"""

from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import bcrypt
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import settings

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
BCRYPT_MAX_BYTES = 72
BCRYPT = "bcrypt"  # PASSWORD_HASH_METHOD for hashes the previous backend can read
UNUSABLE_PREFIX = "!"  # the stored value of an account with no password (Django's convention)


class Verification(NamedTuple):
    ok: bool
    rehash: bool = False  # ok, and the stored hash should be replaced by hash_password(password)

    def __bool__(self) -> bool:
        return self.ok


def normalize(password: str) -> str:
    """The form a password is hashed and judged in: Unicode NFKC."""
    return unicodedata.normalize("NFKC", password)


def form_for(stored: str | None, password: str) -> str:
    """The one form of `password` checked against `stored`: as typed for a bcrypt hash (what the
    previous backend hashed and checks), else its NFKC form."""
    if stored and stored.startswith(BCRYPT_PREFIXES):
        return password
    return normalize(password)


def _method() -> str:
    return settings().PASSWORD_HASH_METHOD


def _legacy_rounds() -> int:
    return settings().LEGACY_BCRYPT_ROUNDS


def _bcrypt_rounds() -> int:
    return settings().PASSWORD_BCRYPT_ROUNDS


def unusable_hash() -> str:
    """What an account without a password stores: matches no password, ever."""
    return UNUSABLE_PREFIX + secrets.token_urlsafe(24)


def is_usable(stored: str | None) -> bool:
    """Whether `stored` is a password's hash (not empty, not `unusable_hash()`)."""
    return bool(stored) and not stored.startswith(UNUSABLE_PREFIX)


def hash_password(password: str) -> str:
    method = _method()
    if method == BCRYPT:
        # As passlib's bcrypt hashed it for the previous backend: the raw password, which it
        # verifies as typed, of which bcrypt reads the first 72 bytes (the policy refuses more).
        raw = password.encode()[:BCRYPT_MAX_BYTES]
        return bcrypt.hashpw(raw, bcrypt.gensalt(_bcrypt_rounds(), prefix=b"2b")).decode()
    return generate_password_hash(normalize(password), method=method)


def _stored_method(stored: str) -> str:
    if stored.startswith(BCRYPT_PREFIXES):
        return "bcrypt"
    return stored.split("$", 1)[0]


@lru_cache(maxsize=8)
def _dummy_hash(method: str) -> str:
    """A Werkzeug hash of a random password (`method` is never bcrypt: `_check_current`)."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


@lru_cache(maxsize=8)
def _dummy_bcrypt(rounds: int) -> bytes:
    return bcrypt.hashpw(secrets.token_urlsafe(16).encode(), bcrypt.gensalt(rounds))


@lru_cache(maxsize=8)
def canonical_method(method: str) -> str:
    """The method as Werkzeug writes it into a hash (`scrypt` becomes `scrypt:32768:8:1`)."""
    if method == BCRYPT:
        return BCRYPT
    return _stored_method(_dummy_hash(method))


def _check_current(form: str) -> None:
    """One check in the current method, against a dummy: the work a failure spends on it."""
    method = _method()
    if method == BCRYPT:
        _bcrypt_matches(form, _dummy_bcrypt(_bcrypt_rounds()))
    else:
        check_password_hash(_dummy_hash(method), form)


def _bcrypt_cost(stored: str) -> int | None:
    try:
        return int(stored[4:6])
    except ValueError:
        return None


def _bcrypt_matches(password: str, stored: bytes) -> bool:
    # passlib's bcrypt, like bcrypt itself, only ever read the first 72 bytes of the raw UTF-8
    # password: the hashes it made can only be checked the same way. New hashes are never bcrypt.
    return bcrypt.checkpw(password.encode()[:BCRYPT_MAX_BYTES], stored)


CURRENT, LEGACY = "current", "legacy"


def _burn(form: str, spent: str | None) -> None:
    """Spend the checks a failure did not already spend (`spent`: CURRENT, the check in the
    current method; LEGACY, the previous backend's bcrypt check; or None), so that every failure
    costs the same: one of each."""
    if spent != CURRENT:
        _check_current(form)
    rounds = _legacy_rounds()
    if spent != LEGACY and rounds:
        _bcrypt_matches(form, _dummy_bcrypt(rounds))


def verify(password: str, stored: str | None) -> Verification:
    """Does `password` match `stored`, and should the hash be replaced? Never raises on a
    malformed hash. A failure costs the same whatever `stored` is (and as `burn_verify`)."""
    form = form_for(stored, password)
    if not is_usable(stored):
        _burn(form, None)
        return Verification(False)
    bcrypt_hash = stored.startswith(BCRYPT_PREFIXES)
    try:
        ok = _bcrypt_matches(form, stored.encode()) if bcrypt_hash else check_password_hash(stored, form)
    except ValueError:
        _burn(form, None)
        return Verification(False)
    if ok:
        return Verification(True, rehash=needs_rehash(stored))
    _burn(form, LEGACY if bcrypt_hash and _method() != BCRYPT else CURRENT)
    return Verification(False)


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`. Never raises on a malformed hash."""
    return verify(password, stored).ok


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with another method (for bcrypt, or at another cost)."""
    method = _method()
    if method == BCRYPT:
        return not stored.startswith(BCRYPT_PREFIXES) or _bcrypt_cost(stored) != _bcrypt_rounds()
    return _stored_method(stored) != canonical_method(method)


def burn_verify(password: str) -> None:
    """Spend the same work as a failed verification, for logins of unknown emails."""
    _burn(normalize(password), None)


def warm_up(method: str, legacy_rounds: int, bcrypt_rounds: int) -> None:
    """Compute the dummy hashes at start-up, not inside the first unlucky login."""
    if method == BCRYPT:
        _dummy_bcrypt(bcrypt_rounds)
    else:
        _dummy_hash(method)
    if legacy_rounds:
        _dummy_bcrypt(legacy_rounds)
