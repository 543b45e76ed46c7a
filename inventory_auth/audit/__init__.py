"""The audit trail: security events, each recorded in the transaction of the change it records.

`record(action, ...)` adds a row to the caller's session; it is committed with the change by the
view or command that commits, or not at all (a failure to write the row fails the change). Values
are stored as JSON; keys that could hold a secret (passwords, hashes, tokens) are never stored,
whatever the caller passes.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import uuid
from datetime import date, datetime

from sqlalchemy import insert

from ..extensions import db
from ..models import AuditLog
from ..models.audit_log import ACTION_MAX, SESSION_ID_MAX
from . import actions
from .origin import Origin, current, reset, set_origin

__all__ = [
    "Origin", "actions", "changes", "current", "record", "record_many", "reset", "set_origin", "tagged",
]

SECRET_KEYS = frozenset(
    {"password", "password_hash", "new_password", "current_password", "token", "access_token",
     "refresh_token", "secret", "hash"}
)
USER_AGENT_MAX = 512

# Values added to the `new_values` of every record written inside `tagged(...)`.
_tags: contextvars.ContextVar[dict | None] = contextvars.ContextVar("audit_tags", default=None)


@contextlib.contextmanager
def tagged(**values):
    """Records written inside carry `values` in their `new_values` too: the events of one
    import name it (`import_id`), whichever function writes them."""
    token = _tags.set({**(_tags.get() or {}), **values})
    try:
        yield
    finally:
        _tags.reset(token)


def _json_value(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _clean(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {key: _json_value(value) for key, value in values.items() if key not in SECRET_KEYS}


def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def _values(action, actor_id, entity_type, entity_id, old, new, origin, origin_actor, session_id) -> dict:
    if len(action) > ACTION_MAX:
        raise ValueError(f"audit action too long: {action!r}")
    tags = _tags.get()
    if tags:
        new = {**(new or {}), **tags}
    return {
        "id": uuid.uuid4(),
        "user_id": actor_id if actor_id is not None else origin_actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "old_values": _clean(old),
        "new_values": _clean(new),
        "ip_address": _ip(origin.ip_address),
        "user_agent": (origin.user_agent or None) and origin.user_agent[:USER_AGENT_MAX],
        "session_id": session_id[:SESSION_ID_MAX] if session_id else None,
    }


def record(
    action: str,
    *,
    actor_id: uuid.UUID | None = None,
    entity_type: str = "user",
    entity_id: uuid.UUID | None = None,
    old: dict | None = None,
    new: dict | None = None,
) -> AuditLog:
    """Add one event to the session. `actor_id` defaults to the origin's acting user."""
    origin = current()
    origin_actor, session_id = origin.resolve()
    row = AuditLog(**_values(action, actor_id, entity_type, entity_id, old, new, origin, origin_actor,
                             session_id))
    db.session.add(row)
    return row


def record_many(action: str, events: list[tuple[uuid.UUID, dict | None]], *,
                entity_type: str = "user") -> None:
    """One event per (entity_id, new values), in one multi-row INSERT: what `record` writes for
    each, at a fraction of the cost (an import's thousands of accounts)."""
    if not events:
        return
    origin = current()
    origin_actor, session_id = origin.resolve()
    rows = [
        _values(action, None, entity_type, entity_id, None, new, origin, origin_actor, session_id)
        for entity_id, new in events
    ]
    db.session.execute(insert(AuditLog), rows)  # created_at: the column's default, per row


def changes(obj, values: dict) -> tuple[dict, dict]:
    """The fields of `values` that differ from `obj`'s: (before, after)."""
    before, after = {}, {}
    for name, value in values.items():
        current_value = getattr(obj, name)
        if current_value != value:
            before[name] = current_value
            after[name] = value
    return before, after
