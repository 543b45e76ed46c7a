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

A failed verification spends one check, whatever the stored hash is: the stored hash's own (for
an unknown email, `burn_verify`, or an unusable or malformed hash: one in the current method
against a dummy). It then reports, in `Verification.pad`, how long the caller should sleep, after
giving back its hashing slot (`pad()`), so that it lasts as long as a failure of the other kind:
a check in the current method and the previous backend's bcrypt check at `LEGACY_BCRYPT_ROUNDS`
take different times, and the failure of either kind lasts as long as the longer one's (a stored
hash in another method not yet replaced stands for the current method; a bcrypt hash, while
bcrypt is not the method, for the previous backend's). The durations are measured in this process
(`CheckTimes`), so a wrong password does not tell an account still on its bcrypt hash from a
migrated one, and an unknown email spends exactly what a migrated account's failure spends; no
request costs more CPU than one check (docs/security.md).

An account without a password yet (invited, waiting for its owner to choose one) stores
`unusable_hash()`: `!` and random text, which no method produces and no password matches (the
column stays NOT NULL, as the previous backend's schema has it). Checking a password against it
costs what any failure costs, so a login to such an account is the usual wrong password.
"""

from __future__ import annotations

import secrets
import threading
import time
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import bcrypt
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import settings
from ..server.request_threads import waiting

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
BCRYPT_MAX_BYTES = 72
BCRYPT = "bcrypt"  # PASSWORD_HASH_METHOD for hashes the previous backend can read
UNUSABLE_PREFIX = "!"  # the stored value of an account with no password (Django's convention)


class Verification(NamedTuple):
    ok: bool
    rehash: bool = False  # ok, and the stored hash should be replaced by hash_password(password)
    pad: float = 0.0  # failed: seconds to sleep (`pad()`) once out of the hashing slot

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


# The wall seconds each dummy took to make, by the kind of check (`_kind`): making a hash costs
# what checking one does, so these seed `CheckTimes` without a check of their own.
_made_in: dict[str, float] = {}


@lru_cache(maxsize=8)
def _dummy_hash(method: str) -> str:
    """A Werkzeug hash of a random password (`method` is never bcrypt: `_check_current`)."""
    started = clock()
    made = generate_password_hash(secrets.token_urlsafe(16), method=method)
    _made_in[_stored_method(made)] = clock() - started
    return made


@lru_cache(maxsize=8)
def _dummy_bcrypt(rounds: int) -> bytes:
    started = clock()
    made = bcrypt.hashpw(secrets.token_urlsafe(16).encode(), bcrypt.gensalt(rounds))
    _made_in[_bcrypt_kind(rounds)] = clock() - started
    return made


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
        dummy = _dummy_bcrypt(_bcrypt_rounds())
        _timed(_current_kind(), lambda: _bcrypt_matches(form, dummy))
    else:
        dummy = _dummy_hash(method)
        _timed(_current_kind(), lambda: check_password_hash(dummy, form))


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
SMOOTHING = 0.2  # weight of the newest check in the running means

# Injectable for tests: the wall clock the checks are timed with, and how a caller pads.
clock = time.perf_counter
sleep = time.sleep


class CheckTimes:
    """This process's running wall durations of the two kinds of check a failure may spend: one
    in the current method (`current`, a mean of every check of that kind) and the previous
    backend's bcrypt check (`legacy`, kept as a ratio to `current`: real ones are rare, and
    scaling with `current` makes it follow the machine's load as `current` does)."""

    def __init__(self, current: float, legacy: float):
        self.current = max(current, 1e-6)
        self.ratio = legacy / self.current
        self._lock = threading.Lock()

    @property
    def legacy(self) -> float:
        return self.current * self.ratio

    def saw(self, kind: str, seconds: float) -> None:
        with self._lock:
            if kind == CURRENT:
                self.current += (seconds - self.current) * SMOOTHING
            else:
                self.ratio += (seconds / self.current - self.ratio) * SMOOTHING

    def pad(self, spent: str) -> float:
        """Seconds a failure that spent one check of kind `spent` sleeps to last as long as a
        failure of the other kind: the longer of the two durations, less its own."""
        current, legacy = self.current, self.legacy
        return max(current, legacy) - (legacy if spent == LEGACY else current)


_check_times: dict[tuple[str, str], CheckTimes] = {}
_times_lock = threading.Lock()


def _bcrypt_kind(rounds: int) -> str:
    return f"bcrypt:{rounds}"


def _current_kind() -> str:
    return _bcrypt_kind(_bcrypt_rounds()) if _method() == BCRYPT else canonical_method(_method())


def _times() -> CheckTimes | None:
    """The running durations for this configuration (None: no previous backend's hashes to
    hide, `LEGACY_BCRYPT_ROUNDS=0`), seeded by how long the dummies took to make."""
    rounds = _legacy_rounds()
    if not rounds:
        return None
    key = (_current_kind(), _bcrypt_kind(rounds))
    times = _check_times.get(key)
    if times is None:
        if _method() == BCRYPT:
            current = _seed(key[0], _dummy_bcrypt(_bcrypt_rounds()), _bcrypt_matches)
        else:
            current = _seed(key[0], _dummy_hash(_method()), lambda p, h: check_password_hash(h, p))
        legacy = _seed(key[1], _dummy_bcrypt(rounds), _bcrypt_matches)
        with _times_lock:
            times = _check_times.setdefault(key, CheckTimes(current, legacy))
    return times


def _seed(kind: str, dummy, check) -> float:
    """How long the dummy of `kind` took to make (no check spent), or if that is not known (it
    was made before the record was kept), how long one check of it takes."""
    if kind not in _made_in:
        started = clock()
        check("x", dummy)
        _made_in[kind] = clock() - started
    return _made_in[kind]


def _kind_of(check: str) -> str | None:
    """Which of the two kinds a check (`_current_kind`-style name) is, if either."""
    if check == _current_kind():
        return CURRENT
    rounds = _legacy_rounds()
    return LEGACY if rounds and check == _bcrypt_kind(rounds) else None


def _timed(check: str, run):
    """Run one check, and count its wall duration in the running mean of its kind."""
    started = clock()
    result = run()
    kind = _kind_of(check)
    times = _times() if kind else None
    if times is not None:
        times.saw(kind, clock() - started)
    return result


def _padding(spent: str) -> float:
    times = _times()
    return times.pad(spent) if times is not None else 0.0


def pad(seconds: float) -> None:
    """Sleep out a failure's padding (`Verification.pad`, `burn_verify`). Call it after giving
    back the hashing slot: sleeping costs no CPU, and the slot is for hashing."""
    if seconds > 0:
        with waiting():  # another request runs meanwhile (server/request_threads.py)
            sleep(seconds)


def _stored_check(stored: str) -> str:
    """The kind-style name of checking `stored` (`bcrypt:12`, `pbkdf2:sha256:600000`)."""
    if stored.startswith(BCRYPT_PREFIXES):
        return _bcrypt_kind(_bcrypt_cost(stored) or 0)
    return _stored_method(stored)


def _fail_on_dummy(form: str) -> Verification:
    _check_current(form)
    return Verification(False, pad=_padding(CURRENT))


def verify(password: str, stored: str | None) -> Verification:
    """Does `password` match `stored`, and should the hash be replaced? Never raises on a
    malformed hash. A failure spends one check and reports the padding (`pad`) that makes it
    last as long whatever `stored` is (and as `burn_verify`)."""
    form = form_for(stored, password)
    if not is_usable(stored):
        return _fail_on_dummy(form)
    bcrypt_hash = stored.startswith(BCRYPT_PREFIXES)
    try:
        ok = _timed(_stored_check(stored), lambda: (
            _bcrypt_matches(form, stored.encode()) if bcrypt_hash else check_password_hash(stored, form)))
    except ValueError:
        return _fail_on_dummy(form)
    if ok:
        return Verification(True, rehash=needs_rehash(stored))
    return Verification(False, pad=_padding(LEGACY if bcrypt_hash and _method() != BCRYPT else CURRENT))


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`. Never raises on a malformed hash. Not padded: for
    a caller who already knows the account (change-password)."""
    return verify(password, stored).ok


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with another method (for bcrypt, or at another cost)."""
    method = _method()
    if method == BCRYPT:
        return not stored.startswith(BCRYPT_PREFIXES) or _bcrypt_cost(stored) != _bcrypt_rounds()
    return _stored_method(stored) != canonical_method(method)


def burn_verify(password: str) -> float:
    """Spend what a failed verification spends, for logins of unknown emails: one check in the
    current method against a dummy. Returns the padding to sleep (`pad()`), as `verify` does."""
    return _fail_on_dummy(normalize(password)).pad


def warm_up(method: str, legacy_rounds: int, bcrypt_rounds: int) -> None:
    """Compute the dummy hashes at start-up, not inside the first unlucky login (their making
    also seeds `CheckTimes`)."""
    if method == BCRYPT:
        _dummy_bcrypt(bcrypt_rounds)
    else:
        _dummy_hash(method)
    if legacy_rounds:
        _dummy_bcrypt(legacy_rounds)
