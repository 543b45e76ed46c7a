"""Invitations: an account created without a password, and the link its owner sets one with.

An administrator (an import, `flask users invite`, the API) creates the account with
`create_user(password=None)`: it stores an unusable hash, so a login is the usual 401. `issue`
hands out a single-use token (stored as a digest, `link_tokens.py`) valid
`INVITATION_EXPIRE_HOURS`, superseding the user's earlier ones; `invite` does that and returns the
mail to send after the commit (`send`). At `/activar-cuenta`, `check` says whether a token still
works and `accept` sets the first password through the same policy as any other password,
clears the lockout counter and audits it. An account that has a password is never invited:
`AccountHasPassword` (its owner signs in, or resets a forgotten password). Nothing here commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert

from .. import audit, mail
from ..audit import actions
from ..config import settings
from ..exceptions import AccountHasPassword, AccountInactive, InvitationTokenInvalid
from ..extensions import db
from ..models import InvitationToken, User
from ..models.types import utcnow
from ..security import lockout
from . import link_tokens
from .store import Credentials, credentials, get_user, has_password, lock, new_password_hash, replace_password

# The `outcome` of an invitation, as the audit trail records it.
MAILED = "mail"
OPERATOR_LINK = "operator_link"


@dataclass(frozen=True)
class PendingInvitation:
    """An invitation message to send once the token it carries is committed."""

    email: str
    first_name: str
    token: str
    user_id: uuid.UUID | None = None  # named in the log if the mail fails


def issue(user: User, *, outcome: str = MAILED) -> str:
    """A new invitation token for `user` (supersedes the older ones); audited as USER_INVITE.

    AccountHasPassword when the account has a password; AccountInactive when it is deactivated.
    """
    if has_password(user):
        raise AccountHasPassword()
    if not user.is_active:
        raise AccountInactive()
    now = utcnow()
    token, digest = link_tokens.new_token()
    link_tokens.supersede(InvitationToken, user.id, now)
    link_tokens.store(InvitationToken, user.id, digest, now,
                      timedelta(hours=settings().INVITATION_EXPIRE_HOURS))
    audit.record(actions.USER_INVITE, entity_id=user.id, new={"outcome": outcome})
    return token


def invite(user: User) -> PendingInvitation:
    """Issue an invitation to be mailed: pass the result to `send` after the commit."""
    return PendingInvitation(user.email, user.first_name, issue(user), user.id)


def invite_new(accounts: list[dict]) -> list[PendingInvitation]:
    """Invitations for accounts created in this transaction (dicts with `id`, `email`,
    `first_name`: an import's rows), in one multi-row INSERT: a new account has no earlier token
    to supersede and no password. One USER_INVITE record each, like `issue`."""
    now = utcnow()
    expires = now + timedelta(hours=settings().INVITATION_EXPIRE_HOURS)
    pending, rows = [], []
    for account in accounts:
        token, digest = link_tokens.new_token()
        rows.append({"id": uuid.uuid4(), "user_id": account["id"], "token_hash": digest,
                     "created_at": now, "expires_at": expires})
        pending.append(PendingInvitation(account["email"], account["first_name"], token, account["id"]))
    if rows:
        db.session.execute(insert(InvitationToken), rows)
    audit.record_many(actions.USER_INVITE, [(account["id"], {"outcome": MAILED}) for account in accounts])
    return pending


def issue_link(user: User) -> str:
    """A new invitation link for an operator to pass on by hand (`flask users invite --print-link`,
    when mail is down); raises LinkUnavailable before anything is stored when no link can be
    built (production without PUBLIC_URL)."""
    mail.link_template(mail.INVITATION_LINK)  # LinkUnavailable now, before anything is stored
    return mail.invitation_link(issue(user, outcome=OPERATOR_LINK))


def send(pending: PendingInvitation | None) -> bool:
    """Queue the invitation (after the commit); returns at once whatever the SMTP server does.
    False: the message was dropped (logged already)."""
    if pending is None:
        return False
    return mail.send_invitation(pending.email, pending.first_name, pending.token, user_id=pending.user_id)


def _usable(token: str, now) -> tuple:
    """The token's row and its user's credentials, read without holding a connection."""
    row = link_tokens.usable_row(InvitationToken, token, now)
    account = credentials(row.user_id) if row is not None else None
    if account is None or not account.is_active or has_password(account):
        raise InvitationTokenInvalid()
    return row, account


def check(token: str) -> Credentials:
    """The invited user whose token this is, if it can still be used; else InvitationTokenInvalid
    (unknown, used, expired, superseded, a deactivated user or one who has a password by now)."""
    return _usable(token, utcnow())[1]


def accept(token: str, password: str, *, field: str = "password") -> User:
    """Set the first password of the token's user; InvitationTokenInvalid or WeakPassword (then
    nothing has changed and the token still works). Every session ends (there are none), the
    lockout counter is cleared, the event audited. The token and the user are read, and the
    password hashed, before the request's session takes a connection."""
    now = utcnow()
    row, account = _usable(token, now)
    password_hash = new_password_hash(account, password, field=field)  # the policy first
    lock(account.id)  # the account's row first, as every change of its password or state does
    # One request only can use a token: a concurrent one finds it used and changes nothing.
    if not link_tokens.use(InvitationToken, row.id, now):
        raise InvitationTokenInvalid()
    user = get_user(account.id)
    replace_password(user, password_hash)
    lockout.clear(user.email)
    audit.record(actions.INVITATION_ACCEPTED, actor_id=user.id, entity_id=user.id)
    return user
