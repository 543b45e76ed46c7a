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

Tied to flask-jwt-extended's internals (`_decode_jwt_from_config`, `_decode_jwt`), which is why
the version is pinned; tests/test_tokens.py runs the whole attacker's token matrix through it.
"""

from __future__ import annotations

import jwt as pyjwt
from flask_jwt_extended import JWTManager as _LibraryJWTManager
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.tokens import _decode_jwt


class JWTManager(_LibraryJWTManager):
    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value=None, allow_expired: bool = False
    ) -> dict:
        if self._decode_key_callback is not default_decode_key_callback:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        kwargs = {
            "algorithms": config.decode_algorithms,
            "audience": config.decode_audience,
            "csrf_value": csrf_value,
            "encoded_token": encoded_token,
            "identity_claim_key": config.identity_claim_key,
            "issuer": config.decode_issuer,
            "leeway": config.leeway,
            "secret": config.decode_key,
            "verify_aud": config.decode_audience is not None,
            "verify_sub": config.verify_sub,
        }
        try:
            return _decode_jwt(**kwargs, allow_expired=allow_expired)
        except pyjwt.ExpiredSignatureError as error:
            error.jwt_header = pyjwt.get_unverified_header(encoded_token)
            error.jwt_data = _decode_jwt(**kwargs, allow_expired=True)
            raise
