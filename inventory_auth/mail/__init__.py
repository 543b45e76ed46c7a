"""Outgoing mail: the password reset and invitation messages, sent off the request path.

The flow calls `send_password_reset(email, token)` or `send_invitation(email, first_name, token)`:
each builds the Spanish message with its link (`PASSWORD_RESET_URL`, `INVITATION_URL`, both from
`PUBLIC_URL` unless set: config.py), queues it on this process's outbox and returns at once,
whatever the SMTP server is doing. `reset_link(token)` and `invitation_link(token)` give the same
links, for an operator to pass on by hand; they raise LinkUnavailable where production has no
address to build them from. See `outbox.py` for what happens to a message after that, and
`docs/operations.md`.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app

from ..config import settings
from ..exceptions import LinkUnavailable
from .message import Message, invitation_message, password_reset_message
from .message import reset_link as _reset_link
from .outbox import Outbox
from .transport import mailman

__all__ = [
    "Message",
    "init_app",
    "invitation_link",
    "link_template",
    "outbox",
    "reset_link",
    "send_invitation",
    "send_password_reset",
]

EXTENSION_KEY = "inventory_auth.outbox"
log = logging.getLogger("inventory_auth.mail")


def init_app(app: Flask) -> None:
    mailman.init_app(app)
    app.extensions[EXTENSION_KEY] = Outbox(app)


def outbox(app: Flask | None = None) -> Outbox:
    return (app or current_app).extensions[EXTENSION_KEY]


RESET_LINK, INVITATION_LINK = "PASSWORD_RESET_URL", "INVITATION_URL"
_NEEDED = {RESET_LINK: "PUBLIC_URL or PASSWORD_RESET_URL", INVITATION_LINK: "PUBLIC_URL"}


def link_template(kind: str) -> str:
    """The template of a link (RESET_LINK, INVITATION_LINK); LinkUnavailable naming the setting
    to set when production has none (config.link_settings never invents one)."""
    template = getattr(settings(), kind)
    if template is None:
        raise LinkUnavailable(_NEEDED[kind])
    return template


def reset_link(token: str) -> str:
    return _reset_link(link_template(RESET_LINK), token)


def invitation_link(token: str) -> str:
    return _reset_link(link_template(INVITATION_LINK), token)


def _enqueue(build) -> bool:
    """Queue the message `build()` makes; a production without a link to put in it (and so
    without MAIL_SERVER: config.py) logs it as not sent, like any unsendable message."""
    try:
        message = build()
    except LinkUnavailable as missing:
        log.error("mail not sent: no link can be built (set %s)", missing.setting)
        return False
    return outbox().enqueue(message)


def send_password_reset(email: str, token: str, expires_minutes: int | None = None) -> bool:
    """Queue the reset message for `email` and return at once (in a request or app context).

    False means the message was dropped (already logged); the answer to the request must not
    depend on it.
    """
    if expires_minutes is None:
        expires_minutes = settings().PASSWORD_RESET_EXPIRE
    return _enqueue(lambda: password_reset_message(email, reset_link(token), expires_minutes))


def send_invitation(email: str, first_name: str, token: str, *, user_id=None) -> bool:
    """Queue the invitation for `email` and return at once; False: dropped (logged, with
    `user_id` when given)."""
    hours = settings().INVITATION_EXPIRE_HOURS
    return _enqueue(
        lambda: invitation_message(email, first_name, invitation_link(token), hours, user_id=user_id)
    )
