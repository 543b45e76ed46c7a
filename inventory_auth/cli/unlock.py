"""`flask users unlock`: what it clears, said truthfully.

It forgets the account's consecutive failed logins (`security/lockout.py`), which lifts a running
wait at once. It does not touch the per-address login limits (`LOGIN_RATE_LIMIT`, Flask-Limiter):
those count every request from one client address, whoever it names, and end with their own
window (a minute, an hour); clearing them would need the addresses a user came from, which the
service does not keep for this purpose.
"""

from __future__ import annotations

from .. import audit
from ..audit import actions
from ..config import settings
from ..extensions import db
from ..models import User
from ..security import lockout

ADDRESS_LIMITS = "per-address login limits (LOGIN_RATE_LIMIT) are not cleared; they end with their window"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def unlock_account(address: str, user: User | None) -> list[str]:
    """Clear the counter of `address` (commits) and say what was cleared, one fact per line."""
    cleared = lockout.forget(address)
    audit.record(  # the operator acted, even when there was nothing to clear
        actions.USER_UNLOCK,
        entity_id=user.id if user is not None else None,
        old=None if cleared is None else {
            "failures": cleared.failures, "wait_left_seconds": cleared.wait_left
        },
    )
    db.session.commit()
    if cleared is None:
        return [f"{address}: no failed logins on record, nothing to clear", ADDRESS_LIMITS]
    failures = _plural(cleared.failures, "failed login")
    if cleared.wait_left:
        first = f"{address} unlocked: cleared {failures} and a running wait ({cleared.wait_left} s left)"
    else:
        threshold = settings().LOCKOUT_THRESHOLD
        first = f"{address}: cleared {failures}; no wait was running, so it was not locked"
        if cleared.quiet:
            first += " (they had gone quiet: the next failure would have started over)"
        else:
            first += f" (a wait starts with {threshold} consecutive failures)"
    return [first, ADDRESS_LIMITS]
