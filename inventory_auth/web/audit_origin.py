"""Tell the audit trail where each request comes from: client address, User-Agent, and, once the
access token has been checked, the acting user and session (read from the verified token)."""

from __future__ import annotations

import uuid

from flask import Flask, g
from flask_jwt_extended import get_jwt

from .. import audit


def _from_token() -> tuple[uuid.UUID | None, str | None]:
    try:
        claims = get_jwt()
    except RuntimeError:  # no token was verified in this request
        return None, None
    try:
        actor = uuid.UUID(claims["sub"])
    except (KeyError, TypeError, ValueError):
        actor = None
    session = claims.get("sid")
    return actor, session if isinstance(session, str) else None


def start_request(current, context) -> None:
    """`current` is the request, `context` Flask's `g` (looked up once by `web/hooks.py`)."""
    origin = audit.Origin(
        ip_address=current.remote_addr,
        user_agent=current.headers.get("User-Agent"),
        resolve=_from_token,
    )
    context.audit_origin_token = audit.set_origin(origin)


def end_request(_error=None) -> None:
    token = g.pop("audit_origin_token", None)
    if token is not None:
        audit.reset(token)


def init_app(app: Flask) -> None:
    app.teardown_request(end_request)  # started by `web/hooks.py`
