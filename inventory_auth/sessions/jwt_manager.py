"""flask-jwt-extended's JWTManager, verifying each incoming token with one decode.

The stock manager parses every token four times: the claims and the header unverified (only to
hand them to a key-choosing callback), then the verified decode, then the header once more (for
`get_jwt_header`). This service has one key (`SECRET_KEY`) and registers no key callback, so the
two unverified parses only cost time: with PyJWT's strict segment checks, which walk every
character of the token in Python, they were about 40% of the CPU a GET /me spent on its token
(docs/benchmarks.md). This subclass skips them and keeps the library's verification
(`_decode_jwt`: signature, algorithm, `exp`/`nbf`/`iat` with the configured leeway, the identity
claim). Should a key callback ever be registered, the library's own path runs instead. An expired
token still carries its header and claims on the exception, as flask-jwt-extended's expired-token
callback expects.

Under an asymmetric ALGORITHM (EdDSA, ES256, RS256) the key comes from the key ring
(`signing/keyring.py`): a new token is signed with the ring's signing key and names it in `kid`
(key and `kid` chosen once per token, so a rotation between the two cannot mismatch them); an
incoming token is verified with the key its `kid` names, and with that key's algorithm only, after
its header alone has been parsed (which refuses headers that bring their own key). Under HS* none
of this runs: the path above is unchanged.

Right after the verified decode the library parses the token's header once more
(`get_unverified_jwt_headers`, for `get_jwt_header`), which repeats PyJWT's strict walk over every
character of the token. The header of a token this thread has just verified is taken from that
verification instead: its signature covers the header segment, so decoding that segment gives
exactly what the library's parse would (any other token still goes through the library's parse).

Around the decode, `jwt_required` runs the library's `verify_jwt_in_request`: it looks for the
token in every configured location, parses the `Authorization` header with a regular expression,
and looks the manager and the settings up through Flask's context proxies a dozen times. The
usual request (the bearer header of an access token) takes the same steps here on the manager
looked up once (`verify_jwt_in_request` below, installed in the library's module so that
`jwt_required` calls it); any other request goes through the library's function. The decode's
settings are read from `app.config` once (`_decode_settings`), not through a proxy per setting.
The two were 11% of the instructions of a GET /me; tests/test_token_verification_path.py holds
them equal to the library's for every kind of token in every form of header.

Tied to flask-jwt-extended's internals (`_decode_jwt_from_config`, `_decode_jwt`), which is why
the version is pinned; tests/test_tokens.py runs the whole attacker's token matrix through it, and
tests/test_signing_keys.py the asymmetric one (unknown `kid`, HS256 with the public key, `jwk`/`jku`).
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar

import jwt as pyjwt
from flask import current_app, g, request
from flask_jwt_extended import JWTManager as _LibraryJWTManager
from flask_jwt_extended import view_decorators
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.exceptions import RevokedTokenError, UserClaimsVerificationError, UserLookupError
from flask_jwt_extended.internal_utils import verify_token_type
from flask_jwt_extended.tokens import _decode_jwt
from flask_jwt_extended.utils import get_unverified_jwt_headers
from jwt.algorithms import requires_cryptography
from jwt.utils import base64url_decode

from ..signing import EXTENSION as KEYRING_EXTENSION
from ..signing import current_keyring

# The key a token being encoded is signed with (set only around one encode).
_signing_key: ContextVar = ContextVar("signing_key", default=None)
# (token, its header) of the last token this thread verified.
_verified: ContextVar = ContextVar("verified_header", default=(None, None))


def _header_of_verified(encoded_token) -> dict:
    """The header of `encoded_token`: from its verification if this thread just verified it."""
    token, header = _verified.get()
    if token is not None and token == encoded_token:
        return dict(header)
    return get_unverified_jwt_headers(encoded_token)


class JWTManager(_LibraryJWTManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._encode_key_callback = _encode_key
        view_decorators.get_unverified_jwt_headers = _header_of_verified
        view_decorators.verify_jwt_in_request = verify_jwt_in_request

    def _encode_jwt_from_config(self, identity, token_type, claims=None, fresh=False,
                                expires_delta=None, headers=None) -> str:
        ring = current_keyring()
        if ring is None:
            return super()._encode_jwt_from_config(
                identity, token_type, claims, fresh, expires_delta, headers
            )
        key = ring.signing_key()
        reset = _signing_key.set(key)
        try:
            return super()._encode_jwt_from_config(
                identity, token_type, claims, fresh, expires_delta, {**(headers or {}), "kid": key.kid}
            )
        finally:
            _signing_key.reset(reset)

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value=None, allow_expired: bool = False
    ) -> dict:
        if self._decode_key_callback is not default_decode_key_callback:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        kwargs = {**_decode_settings(encoded_token), "csrf_value": csrf_value, "encoded_token": encoded_token}
        try:
            claims = _decode_jwt(**kwargs, allow_expired=allow_expired)
        except pyjwt.ExpiredSignatureError as error:
            error.jwt_header = pyjwt.get_unverified_header(encoded_token)
            error.jwt_data = _decode_jwt(**kwargs, allow_expired=True)
            raise
        # Verified: the header segment is the one the signature covers, parsed by PyJWT just now.
        segment = encoded_token.split(".", 1)[0] if isinstance(encoded_token, str) else None
        if segment is not None:
            _verified.set((encoded_token, json.loads(base64url_decode(segment))))
        return claims


def _decode_settings(encoded_token) -> dict:
    """The settings `_decode_jwt` verifies `encoded_token` with: the key ring's key and algorithm
    for its `kid` under an asymmetric ALGORITHM, else flask-jwt-extended's `config.decode_key`,
    `decode_algorithms`, `decode_audience`, `identity_claim_key`, `decode_issuer`, `leeway` and
    `verify_sub`, computed as its properties compute them, from `app.config` looked up once (each
    property looks the application up through Flask's context proxy: a dozen lookups per token).
    tests/test_token_verification_path.py holds them equal to the properties."""
    app = current_app._get_current_object()
    app_config = app.config
    ring = app.extensions.get(KEYRING_EXTENSION)
    algorithm = app_config["JWT_ALGORITHM"]
    if ring is not None:
        secret, algorithms = ring.verification(encoded_token)
    elif algorithm in requires_cryptography:
        secret, algorithms = config.decode_key, config.decode_algorithms
    else:
        # An empty secret: the library's property raises its own error.
        secret = app_config["JWT_SECRET_KEY"] or app_config.get("SECRET_KEY") or config.decode_key
        algorithms = app_config["JWT_DECODE_ALGORITHMS"]
        if not algorithms:
            algorithms = [algorithm]
        elif algorithm not in algorithms:
            algorithms.append(algorithm)
    audience = app_config["JWT_DECODE_AUDIENCE"]
    return {
        "algorithms": algorithms,
        "audience": audience,
        "identity_claim_key": app_config["JWT_IDENTITY_CLAIM"],
        "issuer": app_config["JWT_DECODE_ISSUER"],
        "leeway": app_config["JWT_DECODE_LEEWAY"],
        "secret": secret,
        "verify_aud": audience is not None,
        "verify_sub": app_config["JWT_VERIFY_SUB"],
    }


def _encode_key(_identity):
    """The private key chosen for the token being encoded; SECRET_KEY under HS*."""
    key = _signing_key.get()
    return config.encode_key if key is None else key.private_key


_library_verify_jwt_in_request = view_decorators.verify_jwt_in_request

# `Bearer <token>` exactly, the token one run of the characters a JWT is written with: the header
# flask-jwt-extended's parser reads as that same token (no comma, no other whitespace).
_PLAIN_BEARER = re.compile(r"Bearer ([A-Za-z0-9_\-.=+/]+)")
_HEADERS_ONLY = ("headers", ("headers",), ["headers"])


def verify_jwt_in_request(optional=False, fresh=False, refresh=False, locations=None,
                          verify_type=True, skip_revocation_check=False):
    """flask-jwt-extended's `verify_jwt_in_request`, in fewer steps for the usual request.

    The usual request: an access token required (the defaults), looked for in the `Authorization`
    header only, sent as `Bearer <token>`. For it the steps are the library's own, in its order,
    on the manager looked up once: decode (`_decode_jwt_from_config`), header, type, the
    blocklist and claims-verification callbacks, the user lookup, then the request's `g` entries
    `get_jwt`, `get_jwt_header` and `current_user` read. Anything else (other arguments or
    settings, an OPTIONS request, a header in any other form) goes through the library's function.
    """
    app = current_app._get_current_object()
    app_config = app.config
    current = request._get_current_object()
    header = current.headers.get("Authorization") if (
        not (optional or fresh or refresh or skip_revocation_check)
        and verify_type and locations is None
        and app_config["JWT_TOKEN_LOCATION"] in _HEADERS_ONLY
        and app_config["JWT_HEADER_NAME"] == "Authorization"
        and app_config["JWT_HEADER_TYPE"] == "Bearer"
        and current.method != "OPTIONS"
    ) else None
    match = _PLAIN_BEARER.fullmatch(header) if header else None
    if match is None:
        return _library_verify_jwt_in_request(
            optional, fresh, refresh, locations, verify_type, skip_revocation_check
        )
    encoded_token = match.group(1)
    manager = app.extensions["flask-jwt-extended"]
    jwt_data = manager._decode_jwt_from_config(encoded_token, None, False)
    jwt_header = _header_of_verified(encoded_token)
    verify_token_type(jwt_data, False)
    if manager._token_in_blocklist_callback(jwt_header, jwt_data):
        raise RevokedTokenError(jwt_header, jwt_data)
    if not manager._token_verification_callback(jwt_header, jwt_data):
        raise UserClaimsVerificationError("User claims verification failed", jwt_header, jwt_data)
    loaded = None
    if manager._user_lookup_callback is not None:
        identity = jwt_data[app_config["JWT_IDENTITY_CLAIM"]]
        user = manager._user_lookup_callback(jwt_header, jwt_data)
        if user is None:
            raise UserLookupError(f"user_lookup returned None for {identity}", jwt_header, jwt_data)
        loaded = {"loaded_user": user}
    context = g._get_current_object()
    context._jwt_extended_jwt_user = loaded
    context._jwt_extended_jwt_header = jwt_header
    context._jwt_extended_jwt = jwt_data
    context._jwt_extended_jwt_location = "headers"
    return jwt_header, jwt_data


# The one manager of the service, bound to the application in the factory.
jwt = JWTManager()
