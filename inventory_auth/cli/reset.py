"""`flask users reset-link EMAIL`: a password reset link for an operator to pass on by hand.

For when mail is down or a user cannot receive it. The link is the one a message would carry
(`PASSWORD_RESET_URL`, from `PUBLIC_URL` unless set; production with neither refuses), single
use, valid `PASSWORD_RESET_EXPIRE` minutes; it supersedes the
user's earlier links, and is audited. It is printed on standard output only.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..accounts import password_reset
from ..config import settings
from .errors import fail
from .output import echo
from .users import commit_change, user_named


@click.command("reset-link")
@click.argument("email")
@with_appcontext
def reset_link(email):
    """Print a single-use password reset link for a user (when mail is down)."""
    user = user_named(email)
    if not user.is_active:
        fail(f"{user.email} is deactivated; activate it first (flask users activate)")
    link = commit_change(password_reset.issue_link, user)  # refused: no PUBLIC_URL in production
    minutes = settings().PASSWORD_RESET_EXPIRE
    echo(link)
    echo(
        f"single-use link for {user.email}, valid {minutes} minute(s); earlier links no longer work",
        err=True,
    )
