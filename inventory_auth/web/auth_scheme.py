"""The `Authorization` scheme in any case: `bearer`, `BEARER` and `Bearer` are one scheme.

RFC 7235 (section 2.1) makes the auth scheme case-insensitive, login answers
`"token_type": "bearer"`, and clients that build the header from it were refused:
flask-jwt-extended compares the scheme with `JWT_HEADER_TYPE` exactly. This WSGI wrapper rewrites
the scheme word to `Bearer` when it is `bearer` in any case, before the application sees the
header. Nothing else changes: another scheme (`Basic`, `Token`) is still refused, and the token is
passed on untouched.
"""

from __future__ import annotations

import re

from flask import Flask

AUTHORIZATION = "HTTP_AUTHORIZATION"  # the WSGI environ key of the header

# The scheme word at the start of the header, or of one of its comma-separated credentials.
_BEARER = re.compile(r"(^|,)([ \t]*)bearer(?=[ \t])", re.IGNORECASE)


class BearerSchemeAnyCase:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        header = environ.get(AUTHORIZATION)
        if header and not header.startswith("Bearer "):
            environ[AUTHORIZATION] = _BEARER.sub(r"\1\2Bearer", header)
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = BearerSchemeAnyCase(app.wsgi_app)
