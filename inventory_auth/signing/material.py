"""Key material for the asymmetric algorithms: making keys, reading a PEM file, checking that a key
fits its algorithm, the public JWK and its `kid`, and the private key at rest in the database.

`cryptography` does the key work and PyJWT writes the JWKs (`Algorithm.to_jwk`); this module only
chooses among them. A `kid` is the key's RFC 7638 thumbprint (SHA-256 of its required JWK members),
so every instance derives the same `kid` from the same key with no coordination.

Private keys made by `flask keys rotate` are kept in the `signing_keys` table as PKCS#8 PEM
encrypted with a passphrase derived from `SECRET_KEY` (HKDF-SHA256): a copy of the database alone
(a backup, a read through an injection) cannot sign tokens (docs/security.md, "Signing keys").
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.algorithms import get_default_algorithms

ASYMMETRIC_ALGORITHMS = ("EdDSA", "ES256", "RS256")
SYMMETRIC_ALGORITHMS = ("HS256", "HS384", "HS512")
RSA_MIN_BITS = 2048
RSA_NEW_BITS = 3072

# RFC 7638: the members of each key type that enter the thumbprint.
_THUMBPRINT_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}


class KeyMismatch(ValueError):
    """A key that cannot sign with the configured algorithm; the message says why."""


def generate(algorithm: str):
    """A new private key for `algorithm`."""
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_NEW_BITS)
    raise KeyMismatch(f"no key pair for algorithm {algorithm!r}")


def check_fits(key, algorithm: str) -> None:
    """KeyMismatch unless `key` is a private key `algorithm` signs with."""
    if algorithm == "EdDSA" and isinstance(key, ed25519.Ed25519PrivateKey):
        return
    if algorithm == "ES256" and isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name == "secp256r1":
            return
        raise KeyMismatch(f"ES256 needs a P-256 key, got curve {key.curve.name}")
    if algorithm == "RS256" and isinstance(key, rsa.RSAPrivateKey):
        if key.key_size >= RSA_MIN_BITS:
            return
        raise KeyMismatch(f"RS256 needs an RSA key of at least {RSA_MIN_BITS} bits, got {key.key_size}")
    wanted = {"EdDSA": "an Ed25519", "ES256": "a P-256 EC", "RS256": "an RSA"}[algorithm]
    raise KeyMismatch(f"{algorithm} needs {wanted} private key, got {_describe(key)}")


def _describe(key) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return f"an RSA key ({key.key_size} bits)"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"an EC key ({key.curve.name})"
    return f"a {type(key).__name__.removeprefix('_')}"


def read_pem_file(path: Path, algorithm: str):
    """The private key in the PEM file at `path`, checked against `algorithm`; ValueError with a
    one-line reason otherwise (unreadable, not an unencrypted PEM private key, wrong kind)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror or error})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError("is not an unencrypted PEM private key (PKCS#8 or traditional)") from None
    try:
        check_fits(key, algorithm)
    except KeyMismatch as error:
        raise ValueError(f"does not fit ALGORITHM={algorithm}: {error}") from None
    return key


def private_pem(key) -> bytes:
    """The unencrypted PKCS#8 PEM of `key`, as an operator keeps it in JWT_PRIVATE_KEY_FILE."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_jwk(key, algorithm: str) -> dict:
    """The public JWK (RFC 7517) of a private key, with `kid`, `alg` and `use`."""
    jwk = get_default_algorithms()[algorithm].to_jwk(key.public_key(), as_dict=True)
    jwk = {name: jwk[name] for name in sorted(jwk)}
    return {**jwk, "kid": thumbprint(jwk), "alg": algorithm, "use": "sig"}


def thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url without padding)."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def _passphrase(secret_key: str) -> bytes:
    """The passphrase of the stored private keys, derived from SECRET_KEY (not SECRET_KEY itself)."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"inventory_auth signing keys"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived)


def seal(key, secret_key: str) -> str:
    """The private key as stored in the database: PKCS#8 PEM encrypted with the passphrase."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase(secret_key)),
    ).decode()


def unseal(sealed: str, secret_key: str):
    """The private key of `seal`; ValueError when SECRET_KEY is not the one that sealed it."""
    try:
        return serialization.load_pem_private_key(sealed.encode(), password=_passphrase(secret_key))
    except (ValueError, TypeError) as error:
        raise ValueError("cannot decrypt a stored signing key with this SECRET_KEY") from error
