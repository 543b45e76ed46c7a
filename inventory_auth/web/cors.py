"""Cross-origin access for browser clients, through Flask-Cors.

`CORS_ORIGINS` lists the origins allowed to call /api (default: none in production, `*` in
development). Requests may send `Authorization` and `Content-Type`; responses expose the request
id and `Retry-After`. Credentials (cookies) are never allowed: the API authenticates with a bearer
header, and a wildcard origin with credentials would let any site act as the user.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from ..config import settings

ALLOWED_HEADERS = ["Authorization", "Content-Type", "X-Request-ID"]
EXPOSED_HEADERS = ["X-Request-ID", "Retry-After", "WWW-Authenticate"]
PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight answer


def init_app(app: Flask) -> None:
    origins = settings(app).CORS_ORIGINS
    if not origins:
        return
    wildcard = origins == ("*",)
    CORS(
        app,
        resources={r"/api/*": {"origins": "*" if wildcard else list(origins)}},
        send_wildcard=wildcard,  # answer a literal `*`, never an echoed origin, when any is allowed
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        supports_credentials=False,
        max_age=PREFLIGHT_MAX_AGE,
        vary_header=True,
    )
