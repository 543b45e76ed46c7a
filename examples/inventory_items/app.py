"""A minimal separate service that trusts inventory_auth's tokens (docs/integration.md).

It never holds inventory_auth's SECRET_KEY or private key:

- every request's token is verified here, with the public key its `kid` names, from
  inventory_auth's JWKS (GET /api/auth/jwks.json), kept as long as its `Cache-Control: max-age`
  says and fetched again for a `kid` it does not know (a rotated key), at most every few seconds;
- where a logout, a deactivation or a role change must count at once (lending equipment here),
  the token is also sent to inventory_auth's introspection (POST /api/auth/introspect) with this
  service's credential (`flask services create inventario` on the auth server).

Run it with `AUTH_URL=http://127.0.0.1:8001 SERVICE_NAME=inventario SERVICE_SECRET=...
gunicorn --no-control-socket -b 127.0.0.1:8002 app:app` from this folder.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
from flask import Flask, jsonify, request
from flask_jwt_extended import JWTManager, get_jwt, jwt_required

log = logging.getLogger("inventory_items")

ASYMMETRIC = ["EdDSA", "ES256", "RS256"]  # never HS*: a public key must not verify an HMAC
UNKNOWN_KID_REFETCH_SECONDS = 5  # a flood of made-up kids costs at most one fetch per interval
HTTP_TIMEOUT_SECONDS = 2


class JwksCache:
    """The auth service's public keys by `kid`, cached for the JWKS's max-age."""

    def __init__(self, url: str):
        self.url = url
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fresh_until = 0.0
        self.fetched_at = float("-inf")
        self.lock = threading.Lock()

    def key(self, kid) -> jwt.PyJWK | None:
        now = time.monotonic()
        with self.lock:
            stale = now >= self.fresh_until
            unknown = kid not in self.keys and now - self.fetched_at >= UNKNOWN_KID_REFETCH_SECONDS
            if stale or unknown:
                self._fetch(now)
            return self.keys.get(kid)

    def _fetch(self, now: float) -> None:
        self.fetched_at = now
        try:
            with urllib.request.urlopen(self.url, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
                document = json.load(response)
                cache_control = response.headers.get("Cache-Control", "")
        except (OSError, ValueError) as error:
            # Keep the keys we have (the auth service may be restarting); try again shortly.
            log.warning("JWKS not fetched: %s", error)
            self.fresh_until = now + UNKNOWN_KID_REFETCH_SECONDS
            return
        self.keys = {
            key["kid"]: jwt.PyJWK(key) for key in document.get("keys", []) if key.get("alg") in ASYMMETRIC
        }
        max_age = re.search(r"max-age=(\d+)", cache_control)
        self.fresh_until = now + (int(max_age.group(1)) if max_age else 0)


def introspect(auth_url: str, name: str, secret: str, token: str) -> dict:
    """inventory_auth's RFC 7662 answer for `token` ({"active": false} when it cannot be asked)."""
    credential = base64.b64encode(f"{name}:{secret}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310  (AUTH_URL is checked to be http(s) at start)
        f"{auth_url}/api/auth/introspect",
        data=urllib.parse.urlencode({"token": token}).encode(),
        headers={"Authorization": f"Basic {credential}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.load(response)
    except (OSError, ValueError) as error:  # fail closed
        log.warning("introspection failed: %s", error)
        return {"active": False}


def create_app() -> Flask:
    app = Flask(__name__)
    auth_url = os.environ["AUTH_URL"].rstrip("/")
    if not auth_url.startswith(("http://", "https://")):
        raise SystemExit(f"AUTH_URL must be an http:// or https:// URL, got {auth_url!r}")
    app.config.update(
        JWT_TOKEN_LOCATION=["headers"],
        JWT_DECODE_ALGORITHMS=ASYMMETRIC,
        JWT_SECRET_KEY=None,  # no secret here, only public keys
        JWT_IDENTITY_CLAIM="sub",
    )
    jwks = JwksCache(f"{auth_url}/api/auth/jwks.json")
    manager = JWTManager(app)

    @manager.decode_key_loader
    def public_key(header: dict, _claims: dict):
        key = jwks.key(header.get("kid"))
        if key is None:
            raise jwt.InvalidTokenError("unknown kid")
        return key  # a PyJWK: PyJWT accepts only its own algorithm for it

    @manager.invalid_token_loader
    @manager.unauthorized_loader
    @manager.expired_token_loader
    def refuse(*_args):
        return jsonify(detail="Token inválido o expirado"), 401, {"WWW-Authenticate": "Bearer"}

    @app.get("/items")
    @jwt_required()
    def items():
        """Verified here alone: a logout counts once the token expires (ACCESS_TOKEN_EXPIRE)."""
        claims = get_jwt()
        return {"user": claims["sub"], "role": claims["role"], "items": ["portátil 12", "proyector 3"]}

    @app.post("/items/<int:item_id>/loan")
    @jwt_required()
    def lend(item_id: int):
        """Verified here, then asked to inventory_auth: a logout or a deactivation counts now."""
        token = request.headers["Authorization"].split(None, 1)[1]
        answer = introspect(auth_url, os.environ["SERVICE_NAME"], os.environ["SERVICE_SECRET"], token)
        if not answer.get("active"):
            return refuse()
        return {"item": item_id, "lent_to": answer["sub"]}, 201

    return app


app = create_app()
