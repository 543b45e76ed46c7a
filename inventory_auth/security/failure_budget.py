"""A budget of failures per client address, spent by requests that fail after costly work.

A crowd of honest requests from one address (a class behind the lab's NAT) mostly succeeds; a
flood from one address mostly fails. So the requests that hash or judge a password are allowed
per address by how often they *fail*, not only by how many arrive: a wrong password or unknown
email at login, a wrong current password at change-password, a policy-failing new password
(register, reset, change-password) and a bad, used or expired reset token each spend one unit of
`FAILURE_RATE_LIMIT` (Flask-Limiter's notation; default 20 per minute and 100 per hour). Once it
is spent, those endpoints answer that address 429 with `Retry-After` before any lookup, policy
check or hash, until the window reopens. Successes spend nothing, so forty students logging in
at once, a few of them mistyping, never meet it; an attacker from one address gets 20 password
checks a minute (~8 s of one core) instead of as many as the cores can run. The per-account
budget is the lockout (security/lockout.py).

Counters share the per-address limits' storage (Redis when `REDIS_URL` is set, shared by every
worker and instance; else each worker process's memory, docs/security.md says what that means).
If the storage cannot be reached, the budget is not enforced (the other limits fall back to
memory; the per-account lockout, in the database, still holds) rather than refusing everyone.
"""

from __future__ import annotations

import functools
import logging
import math
import time

from flask_limiter.util import get_remote_address
from limits import parse_many

from ..config import settings
from ..exceptions import (
    AddressOverFailureBudget,
    InvalidCredentials,
    ResetTokenInvalid,
    WeakPassword,
    WrongCurrentPassword,
)
from ..extensions import limiter

log = logging.getLogger(__name__)

# The refusals that spend the budget: each came after a password check, a policy check or a
# token lookup, and none is what an honest user meets more than a few times.
FAILURES = (InvalidCredentials, WrongCurrentPassword, WeakPassword, ResetTokenInvalid)
NAMESPACE = "failures"


def _limits():
    return parse_many(settings().FAILURE_RATE_LIMIT)


def _enabled() -> bool:
    return settings().RATELIMIT_ENABLED


def check(address: str) -> None:
    """AddressOverFailureBudget if `address` has spent a budget; else nothing (no cost counted)."""
    if not _enabled():
        return
    strategy = limiter.limiter
    try:
        spent = [item for item in _limits() if not strategy.test(item, NAMESPACE, address)]
        if not spent:
            return
        reset_at = max(strategy.get_window_stats(item, NAMESPACE, address).reset_time for item in spent)
    except Exception as error:  # noqa: BLE001 (storage unreachable: fail open, see the docstring)
        log.warning("failure budget not checked: %s", type(error).__name__)
        return
    raise AddressOverFailureBudget(max(1, math.ceil(reset_at - time.time())))


def spend(address: str) -> None:
    """Count one failure from `address` in every window of the budget."""
    if not _enabled():
        return
    strategy = limiter.limiter
    try:
        for item in _limits():
            strategy.hit(item, NAMESPACE, address)
    except Exception as error:  # noqa: BLE001
        log.warning("failure not counted: %s", type(error).__name__)


def guarded(view):
    """Refuse the request up front once its address has spent the budget; spend one unit when
    the view fails with one of FAILURES (a decorator for the views that check passwords)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        address = get_remote_address()
        check(address)
        try:
            return view(*args, **kwargs)
        except FAILURES:
            spend(address)
            raise

    return wrapper
