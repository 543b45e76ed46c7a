"""Outgoing mail: the password reset message, sent off the request path.

The flow calls `send_password_reset(email, token)`: it builds the Spanish message with the link
from `PASSWORD_RESET_URL`, queues it on this process's outbox and returns at once, whatever the
SMTP server is doing. `reset_link(token)` gives the same link, for an operator to pass on by
hand. See `outbox.py` for what happens to a message after that, and `docs/operations.md`.
"""

from __future__ import annotations

from flask import Flask, current_app

from .message import Message, password_reset_message
from .message import reset_link as _reset_link
from .outbox import Outbox
from .transport import mailman

__all__ = ["Message", "init_app", "outbox", "reset_link", "send_password_reset"]

EXTENSION_KEY = "inventory_auth.outbox"


def init_app(app: Flask) -> None:
    mailman.init_app(app)
    app.extensions[EXTENSION_KEY] = Outbox(app)


def outbox(app: Flask | None = None) -> Outbox:
    return (app or current_app).extensions[EXTENSION_KEY]


def reset_link(token: str) -> str:
    return _reset_link(current_app.config["PASSWORD_RESET_URL"], token)


def send_password_reset(email: str, token: str, expires_minutes: int | None = None) -> bool:
    """Queue the reset message for `email` and return at once (in a request or app context).

    False means the message was dropped (already logged); the answer to the request must not
    depend on it.
    """
    if expires_minutes is None:
        expires_minutes = current_app.config["PASSWORD_RESET_EXPIRE"]
    message = password_reset_message(email, reset_link(token), expires_minutes)
    return outbox().enqueue(message)
