"""`flask sessions`: housekeeping of login sessions and lockout counters."""

import click
from flask.cli import with_appcontext

from .. import sessions
from ..extensions import db
from ..security import lockout
from .origin import AuditedGroup


@click.group("sessions", cls=AuditedGroup)
def sessions_group():
    """Login sessions and lockout counters."""


@sessions_group.command("prune")
@with_appcontext
def prune():
    """Delete dead sessions (revoked or expired) and quiet lockout counters. Safe to run any time,
    e.g. hourly from cron."""
    removed = sessions.prune()
    counters = lockout.prune()
    db.session.commit()
    click.echo(f"removed {removed} dead session(s) and {counters} quiet lockout counter(s)")
