"""Forgotten passwords: a single-use link by email, then a new password.

`request(email)` is what `POST /api/auth/password-reset/request` does. Whatever the email is (an
active account, an inactive one, one nobody has), it runs the same statements and generates and
hashes a token, so that neither the answer nor its time tells them apart; only for an active
account under its per-account limit is the token stored and a message returned for the caller
to send after its commit (the mail itself leaves on the outbox thread, off the request path).

`confirm(token, new_password)` checks the token (unknown, used, expired, superseded and
deactivated-user tokens are all `ResetTokenInvalid`), applies the password policy, marks the
token used, sets the password (which ends every session of the user and every other link) and
clears the login lockout. A link is also ended by any other password change, a role change and a
deactivation (`store.end_sessions_and_links`); a reactivation does not revive it. Nothing here
commits.

Every request is audited (`password_reset_requested`, with its `outcome`): for an existing
account its entity is the user; an unknown email is recorded without the address (as a failed
login for an unknown email is), so that an operator sees probing without the trail storing
addresses strangers typed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from limits import parse_many
from sqlalchemy import delete, select

from .. import audit, mail
from ..audit import actions
from ..config import settings
from ..exceptions import ResetTokenInvalid
from ..extensions import db
from ..models import PasswordResetToken, User
from ..models.types import utcnow
from ..security import lockout
from . import link_tokens
from .link_tokens import TOKEN_MAX_LENGTH, new_token, token_digest
from .store import (
    Credentials,
    credentials,
    end_reset_links,
    find_by_email,
    get_user,
    lock,
    new_password_hash,
    replace_password,
)

__all__ = [
    "TOKEN_MAX_LENGTH", "check", "confirm", "issue_link", "new_token", "request", "send", "token_digest",
]

# The `outcome` of a request, as the audit trail records it.
SENT = "sent"
ACCOUNT_LIMIT = "account_limit"
INACTIVE = "inactive"
UNKNOWN_EMAIL = "unknown_email"
OPERATOR_LINK = "operator_link"


@dataclass(frozen=True)
class PendingMail:
    """A reset message to send once the token it carries is committed."""

    email: str
    token: str


def _account_limits() -> list[tuple[int, timedelta]]:
    """`PASSWORD_RESET_ACCOUNT_LIMIT` as (messages, window) pairs."""
    return [
        (item.amount, timedelta(seconds=item.get_expiry()))
        for item in parse_many(settings().PASSWORD_RESET_ACCOUNT_LIMIT)
    ]


def _over_account_limit(user_id: uuid.UUID, now) -> bool:
    """Whether the account already got as many links as its limit allows, counting the links
    stored in the database (shared by every worker and instance; a sliding window)."""
    limits = _account_limits()
    longest = max(window for _amount, window in limits)
    created = db.session.scalars(
        select(PasswordResetToken.created_at).where(
            PasswordResetToken.user_id == user_id, PasswordResetToken.created_at > now - longest
        )
    ).all()
    return any(sum(1 for at in created if at > now - window) >= amount for amount, window in limits)


def _forget_dead_tokens(user_id: uuid.UUID, now) -> None:
    """Delete the user's links that are past their life and out of every limit window."""
    longest = max(window for _amount, window in _account_limits())
    db.session.execute(
        delete(PasswordResetToken).where(
            PasswordResetToken.user_id == user_id,
            PasswordResetToken.expires_at < now - longest,
        )
    )


def _store(user: User, digest: str, now) -> None:
    link_tokens.store(PasswordResetToken, user.id, digest, now,
                      timedelta(minutes=settings().PASSWORD_RESET_EXPIRE))


def request(email: str) -> PendingMail | None:
    """Handle a reset request for `email` (normalized); the message to send after the commit,
    or None. The same statements run whatever the email is.

    The account's row is locked first, so that concurrent requests for one account count and
    store their links one after another: never more messages than the limit, and only the
    newest link valid."""
    now = utcnow()
    token, digest = new_token()
    user = find_by_email(email)
    active = user is not None and user.is_active
    # A random id matches no row: the same statements run when nothing is to change.
    account = user.id if active else uuid.uuid4()
    lock(account)
    over_limit = _over_account_limit(account, now)
    if user is None:
        outcome = UNKNOWN_EMAIL
    elif not active:
        outcome = INACTIVE
    elif over_limit:
        outcome = ACCOUNT_LIMIT
    else:
        outcome = SENT
    target = account if outcome == SENT else uuid.uuid4()
    _forget_dead_tokens(target, now)
    end_reset_links(target, now)
    if outcome == SENT:
        _store(user, digest, now)
    audit.record(
        actions.PASSWORD_RESET_REQUESTED,
        entity_id=user.id if user is not None else None,
        new={"outcome": outcome},
    )
    return PendingMail(user.email, token) if outcome == SENT else None


def send(pending: PendingMail | None) -> None:
    """Queue the message (after the commit); returns at once whatever the SMTP server does."""
    if pending is not None:
        mail.send_password_reset(pending.email, pending.token)


def issue_link(user: User) -> str:
    """A new link for `user`, superseding the older ones, for an operator to pass on by hand
    (`flask users reset-link`); no per-account limit applies. Audited. LinkUnavailable, before
    anything is stored, where production has no address to build it from."""
    mail.link_template(mail.RESET_LINK)
    if not user.is_active:
        raise ResetTokenInvalid()
    now = utcnow()
    token, digest = new_token()
    lock(user.id)
    _forget_dead_tokens(user.id, now)
    end_reset_links(user.id, now)
    _store(user, digest, now)
    audit.record(actions.PASSWORD_RESET_REQUESTED, entity_id=user.id, new={"outcome": OPERATOR_LINK})
    return mail.reset_link(token)


def _usable(token: str, now) -> tuple:
    """The token's row and its user's credentials, read without holding a connection."""
    row = link_tokens.usable_row(PasswordResetToken, token, now)
    account = credentials(row.user_id) if row is not None else None
    if account is None or not account.is_active:
        raise ResetTokenInvalid()
    return row, account


def check(token: str) -> Credentials:
    """The user whose link this is, if it can still be used (the page that asks for the new
    password shows its form only then); else ResetTokenInvalid. Changes nothing."""
    return _usable(token, utcnow())[1]


def confirm(token: str, new_password: str, *, field: str = "new_password") -> User:
    """Set the password of the token's user; ResetTokenInvalid or WeakPassword (then nothing
    has changed and the token still works). The token and the user are read, and the new
    password hashed, before the request's session takes a connection."""
    now = utcnow()
    row, account = _usable(token, now)
    password_hash = new_password_hash(account, new_password, field=field)  # the policy first
    lock(account.id)  # the account's row first, as every change of its password or state does
    # Only one request can use a token: a concurrent one finds it used (or ended by a password
    # change, a role change or a deactivation that committed meanwhile) and changes nothing.
    if not link_tokens.use(PasswordResetToken, row.id, now):
        raise ResetTokenInvalid()
    user = get_user(account.id)
    replace_password(user, password_hash)  # every session and every other link end
    lockout.clear(user.email)
    audit.record(actions.PASSWORD_RESET, actor_id=user.id, entity_id=user.id)
    return user
