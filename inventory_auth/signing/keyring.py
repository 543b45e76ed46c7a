"""The keys this process signs and verifies with, read from the database on a short interval.

Under an asymmetric ALGORITHM, every worker of every instance holds a `KeyRing`: the rows of
`signing_keys` plus the key of JWT_PRIVATE_KEY_FILE (which signs until the first rotated key
starts). It reloads the table at most every SIGNING_KEYS_REFRESH_SECONDS, on the request that
finds its copy stale (one small SELECT, one thread at a time; the others keep using the copy), so
no request waits on the database for a key, GET /api/auth/jwks.json included.

Agreement: which key signs is a function of the table and the clock alone (the newest key of the
configured algorithm whose `signs_from` has come). `flask keys rotate` sets `signs_from` at least
SIGNING_KEYS_REFRESH_SECONDS + JWKS_MAX_AGE_SECONDS ahead, so before the new key signs, every
worker has loaded it (and verifies its tokens), and every verifier that caches the JWKS for its
`max-age` has seen it. Every worker then switches at the same instant.

A key stops signing when the next starts. It stays published (and verifies access tokens) until
the last access token it signed has expired, and verifies refresh tokens here until the last of
those has; then it drops out by itself. `flask keys retire` ends a key at once (a key that leaked):
every worker stops trusting it at its next reload.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..config import settings
from ..database import read_connection
from ..models import SigningKey as SigningKeyRow
from ..models.types import utcnow
from . import EXTENSION, material

log = logging.getLogger(__name__)

# The beginning of time, as the file's key sees it when it has no row yet.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Longer tokens are refused before any parsing: ours are well under 1 KiB (RS256 about 700 bytes).
MAX_TOKEN_LENGTH = 8192
# The only header parameters our tokens carry; a token naming its own key (`jwk`, `jku`, `x5u`,
# `x5c`) or asking for extensions (`crit`) is refused outright.
ALLOWED_HEADER = frozenset({"alg", "kid", "typ"})


@dataclass(frozen=True, slots=True)
class Key:
    kid: str
    algorithm: str
    public_jwk: dict
    verifier: pyjwt.PyJWK
    private_key: object | None  # None when this process cannot sign with it (another algorithm)
    signs_from: datetime
    stops_at: datetime | None  # when the next key starts signing
    in_file: bool  # the key of JWT_PRIVATE_KEY_FILE


@dataclass(frozen=True)
class Lifetimes:
    access: timedelta
    refresh: timedelta
    leeway: timedelta

    def published_until(self, key: Key) -> datetime | None:
        """When the last access token the key can have signed expires (None: still signing)."""
        return None if key.stops_at is None else key.stops_at + self.access + self.leeway

    def verifies_until(self, key: Key) -> datetime | None:
        """When the last token of any kind the key can have signed expires."""
        longest = max(self.access, self.refresh)
        return None if key.stops_at is None else key.stops_at + longest + self.leeway


class Snapshot:
    """The keys as one reload found them; what is valid at a given instant is computed from it."""

    def __init__(self, keys: list[Key], algorithm: str, lifetimes: Lifetimes):
        self.keys = keys  # by signs_from
        self.by_kid = {key.kid: key for key in keys}
        self.algorithm = algorithm
        self.lifetimes = lifetimes

    def signing_key(self, now: datetime) -> Key:
        started = [
            key for key in self.keys
            if key.algorithm == self.algorithm and key.private_key is not None and key.signs_from <= now
        ]
        if not started:
            raise LookupError("no signing key")  # only if every key was retired: rotate refuses that
        return started[-1]

    def verifier(self, kid: str, now: datetime, *, access: bool) -> Key | None:
        key = self.by_kid.get(kid)
        if key is None:
            return None
        until = (self.lifetimes.published_until if access else self.lifetimes.verifies_until)(key)
        return key if until is None or now < until else None

    def published(self, now: datetime) -> list[Key]:
        """The keys of the JWKS: those that sign or will sign, and those whose access tokens may
        still be alive."""
        return [key for key in self.keys if self.verifier(key.kid, now, access=True) is not None]


class KeyRing:
    def __init__(self, app: Flask):
        config = settings(app)
        self.algorithm = config.JWT_ALGORITHM
        self.secret_key = config.SECRET_KEY
        self.refresh_seconds = config.SIGNING_KEYS_REFRESH_SECONDS
        self.file_key = config.JWT_FILE_PRIVATE_KEY
        self.file_jwk = material.public_jwk(self.file_key, self.algorithm)
        self.lifetimes = Lifetimes(
            access=config.JWT_ACCESS_TOKEN_EXPIRES,
            refresh=config.REFRESH_TOKEN_EXPIRES,
            leeway=timedelta(seconds=config.JWT_DECODE_LEEWAY),
        )
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stale_at = 0.0
        self._unsealed: dict[str, object] = {}  # kid -> private key, kept across reloads

    # -- reading the table --------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The current keys, reloaded from the database when the copy is older than the interval.
        Only one thread reloads; the others keep the copy meanwhile. If the database cannot be
        read, the copy is kept (and retried after the interval); with no copy yet, the error
        propagates (a 503)."""
        snapshot = self._snapshot
        if snapshot is not None and time.monotonic() < self._stale_at:
            return snapshot
        if snapshot is not None and not self._lock.acquire(blocking=False):
            return snapshot
        if snapshot is None:
            self._lock.acquire()
        try:
            if self._snapshot is None or time.monotonic() >= self._stale_at:
                self._reload()
            return self._snapshot
        finally:
            self._lock.release()

    def _reload(self) -> None:
        try:
            with read_connection() as connection:
                rows = connection.execute(select(SigningKeyRow.__table__)).all()
        except SQLAlchemyError:
            if self._snapshot is None:
                raise
            log.warning("signing keys not reloaded: the database cannot be read; keeping the copy")
            self._stale_at = time.monotonic() + self.refresh_seconds
            return
        self._snapshot = self.build(rows)
        self._stale_at = time.monotonic() + self.refresh_seconds

    def build(self, rows) -> Snapshot:
        """A snapshot from the table's rows and the file's key."""
        entries = []  # (kid, algorithm, jwk, private key, signs_from, in_file)
        recorded = {row.kid for row in rows}
        for row in rows:
            if row.retired_at is not None:
                continue
            in_file = row.kid == self.file_jwk["kid"]
            entries.append(
                (row.kid, row.algorithm, json.loads(row.public_jwk), self._private(row, in_file),
                 row.signs_from, in_file)
            )
        if self.file_jwk["kid"] not in recorded:
            entries.append((self.file_jwk["kid"], self.algorithm, self.file_jwk, self.file_key, EPOCH, True))
        entries.sort(key=lambda entry: entry[4])
        keys = []
        for index, (kid, algorithm, jwk, private, signs_from, in_file) in enumerate(entries):
            following = entries[index + 1][4] if index + 1 < len(entries) else None
            keys.append(Key(kid, algorithm, jwk, pyjwt.PyJWK(jwk), private, signs_from, following, in_file))
        return Snapshot(keys, self.algorithm, self.lifetimes)

    def _private(self, row, in_file: bool):
        if in_file:
            return self.file_key
        if row.algorithm != self.algorithm or row.private_key is None:
            return None
        if row.kid not in self._unsealed:
            try:
                self._unsealed[row.kid] = material.unseal(row.private_key, self.secret_key)
            except ValueError:
                log.error("signing key %s cannot be decrypted with this SECRET_KEY: it only verifies",
                          row.kid)
                self._unsealed[row.kid] = None
        return self._unsealed[row.kid]

    # -- what tokens use ------------------------------------------------------------------------

    def signing_key(self) -> Key:
        return self.snapshot().signing_key(utcnow())

    def verification(self, token) -> tuple[pyjwt.PyJWK, list[str]]:
        """The key (and its one algorithm) to verify `token` with, chosen by its `kid`; an
        InvalidTokenError for a token that names no key this service trusts now."""
        if not isinstance(token, str | bytes) or len(token) > MAX_TOKEN_LENGTH:
            raise pyjwt.DecodeError("token too long")
        header = pyjwt.get_unverified_header(token)
        if not set(header) <= ALLOWED_HEADER:
            raise pyjwt.InvalidTokenError("unexpected header parameters")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise pyjwt.InvalidTokenError("no kid")
        # Access and refresh tokens carry the same header: a refresh token of a key past its access
        # window is still checked here; its type is checked by the caller.
        key = self.snapshot().verifier(kid, utcnow(), access=False)
        if key is None:
            raise pyjwt.InvalidTokenError("unknown kid")
        return key.verifier, [key.algorithm]

    def is_published(self, kid: str) -> bool:
        return self.snapshot().verifier(kid, utcnow(), access=True) is not None

    def jwks(self) -> dict:
        return {"keys": [key.public_jwk for key in self.snapshot().published(utcnow())]}


def init_app(app: Flask) -> None:
    """Give the app its key ring under an asymmetric ALGORITHM (HS* has none)."""
    if settings(app).JWT_ALGORITHM in material.ASYMMETRIC_ALGORITHMS:
        app.extensions[EXTENSION] = KeyRing(app)
