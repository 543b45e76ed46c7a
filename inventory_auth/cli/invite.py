"""`flask users invite EMAIL`: a new invitation for an account created without a password.

The message carries a single-use link `{PUBLIC_URL}/activar-cuenta?token=…`, valid
`INVITATION_EXPIRE_HOURS`; earlier invitations of the account stop working. `--print-link`
prints the link instead of mailing it (when mail is down). An account that has a password is
refused (its owner signs in, or resets it), as is a deactivated one. Audited (`user_invite`).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import mail
from ..accounts import invitations
from ..config import settings
from .users import commit_change, user_named


def _invite(user):
    mail.link_template(mail.INVITATION_LINK)  # refuse before storing anything
    return invitations.invite(user)


@click.command("invite")
@click.argument("email")
@click.option("--print-link", is_flag=True, help="Print the link instead of mailing it.")
@with_appcontext
def invite(email, print_link):
    """Send a new invitation to set the first password of an account that has none."""
    user = user_named(email)
    if print_link:
        link = commit_change(invitations.issue_link, user)
    else:
        pending = commit_change(_invite, user)
    hours = settings().INVITATION_EXPIRE_HOURS
    if print_link:
        click.echo(link)
        click.echo(f"single-use invitation link for {user.email}, valid {hours} hour(s); "
                   "earlier invitations no longer work", err=True)
        return
    invitations.send(pending)
    delivered = mail.outbox().flush(settings().MAIL_TIMEOUT_SECONDS * 4)
    state = "sent (a sending error would be logged above)" if delivered else "still queued"
    click.echo(f"invitation for {user.email} {state}; valid {hours} hour(s); earlier invitations "
               "no longer work")
