"""Rotating the signing keys: `flask keys rotate`, `list` and `retire` (cli/keys.py).

`rotate` makes a key pair, stores it (its private key sealed with a passphrase derived from
SECRET_KEY) and sets it to start signing once every worker has loaded it and every verifier's
cached JWKS can hold it: SIGNING_KEYS_REFRESH_SECONDS + JWKS_MAX_AGE_SECONDS from now
(keyring.py says why that makes every instance agree). `retire` ends a key that no longer signs at
once: it leaves the JWKS and its tokens are refused within SIGNING_KEYS_REFRESH_SECONDS, here and
by verifiers within JWKS_MAX_AGE_SECONDS. The caller commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..config import settings
from ..exceptions import SigningKeyInUse, SymmetricAlgorithm, UnknownSigningKey
from ..extensions import db
from ..models import SigningKey
from ..models.types import utcnow
from . import current_keyring, material
from .keyring import EPOCH, Key


def _ring():
    ring = current_keyring()
    if ring is None:
        raise SymmetricAlgorithm()
    return ring


def publication_lead() -> timedelta:
    config = settings()
    return timedelta(seconds=config.SIGNING_KEYS_REFRESH_SECONDS + config.JWKS_MAX_AGE_SECONDS)


def rotate(*, now: datetime | None = None, at_once: bool = False) -> SigningKey:
    """A new key of the configured algorithm, signing after the publication lead (or `at_once`,
    for a key that leaked: workers then switch within SIGNING_KEYS_REFRESH_SECONDS)."""
    ring = _ring()
    now = now or utcnow()
    file_kid = ring.file_jwk["kid"]
    if db.session.get(SigningKey, file_kid) is None:
        # The file's key gets its row now, so that its history is kept like any other's.
        db.session.add(SigningKey(
            kid=file_kid, algorithm=ring.algorithm, public_jwk=json.dumps(ring.file_jwk),
            private_key=None, created_at=now, signs_from=EPOCH,
        ))
    private = material.generate(ring.algorithm)
    jwk = material.public_jwk(private, ring.algorithm)
    row = SigningKey(
        kid=jwk["kid"], algorithm=ring.algorithm, public_jwk=json.dumps(jwk),
        private_key=material.seal(private, ring.secret_key), created_at=now,
        signs_from=now if at_once else now + publication_lead(),
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class KeyState:
    kid: str
    algorithm: str
    state: str  # next, signing, verifying, expired, retired
    signs_from: datetime | None
    stops_at: datetime | None
    published_until: datetime | None
    retired_at: datetime | None
    in_file: bool


def list_keys(*, now: datetime | None = None) -> list[KeyState]:
    """Every key, oldest first, with what it does now. Read from the table, not a worker's copy."""
    ring = _ring()
    now = now or utcnow()
    rows = db.session.scalars(select(SigningKey)).all()
    snapshot = ring.build(rows)
    signing = snapshot.signing_key(now).kid
    states = []
    for key in snapshot.keys:
        states.append(_state(key, snapshot, now, signing))
    for row in rows:
        if row.retired_at is not None:
            states.append(KeyState(
                row.kid, row.algorithm, "retired", row.signs_from if row.signs_from != EPOCH else None,
                None, None, row.retired_at, row.kid == ring.file_jwk["kid"],
            ))
    return sorted(states, key=lambda state: state.signs_from or EPOCH)


def _state(key: Key, snapshot, now: datetime, signing: str) -> KeyState:
    published_until = snapshot.lifetimes.published_until(key)
    if key.kid == signing:
        state = "signing"
    elif key.signs_from > now:
        state = "next"
    elif snapshot.verifier(key.kid, now, access=False) is not None:
        state = "verifying"
    else:
        state = "expired"
    return KeyState(
        key.kid, key.algorithm, state, key.signs_from if key.signs_from != EPOCH else None,
        key.stops_at, published_until, None, key.in_file,
    )


def retire(kid: str, *, now: datetime | None = None) -> KeyState:
    """End a key that does not sign now: it leaves the JWKS and its tokens are refused (a key that
    leaked, or one made by mistake before it starts). Raises UnknownSigningKey, SigningKeyInUse."""
    ring = _ring()
    now = now or utcnow()
    states = {state.kid: state for state in list_keys(now=now)}
    state = states.get(kid)
    if state is None:
        raise UnknownSigningKey()
    if state.state == "retired":
        return state
    if state.state == "signing":
        raise SigningKeyInUse()
    row = db.session.get(SigningKey, kid)
    if row is None:  # the file's key without a row: JWT_PRIVATE_KEY_FILE changed after a rotation
        jwk = ring.file_jwk
        row = SigningKey(kid=kid, algorithm=ring.algorithm, public_jwk=json.dumps(jwk),
                         private_key=None, created_at=now, signs_from=EPOCH)
        db.session.add(row)
    row.retired_at = now
    db.session.flush()
    return KeyState(kid, row.algorithm, "retired", state.signs_from, state.stops_at, None, now,
                    state.in_file)
