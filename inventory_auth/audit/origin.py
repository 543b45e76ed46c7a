"""Where the action being audited comes from: address, client, session, acting user.

The web layer sets it for each request (`web/audit_origin.py`), the command line for each command
(`user_agent` is the command, e.g. "flask users set-role"), so that the domain can record events
without knowing about HTTP. Values that are only known once the access token has been checked
(the acting user and its session) are read when a record is written, through `resolve`.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    ip_address: str | None = None
    user_agent: str | None = None
    # () -> (acting user id, session id), each possibly None
    resolve: Callable[[], tuple[uuid.UUID | None, str | None]] = field(default=lambda: (None, None))


NOWHERE = Origin()
_current: contextvars.ContextVar[Origin] = contextvars.ContextVar("audit_origin", default=NOWHERE)


def current() -> Origin:
    return _current.get()


def set_origin(origin: Origin) -> contextvars.Token:
    return _current.set(origin)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
