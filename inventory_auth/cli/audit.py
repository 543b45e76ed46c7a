"""`flask audit`: housekeeping of the audit trail."""

import click
from flask.cli import with_appcontext

from .. import audit
from ..audit import actions, queries
from ..extensions import db
from .origin import AuditedGroup


@click.group("audit", cls=AuditedGroup)
def audit_group():
    """The audit trail."""


@audit_group.command("prune")
@click.option(
    "--older-than",
    "days",
    required=True,
    type=click.IntRange(min=1),
    metavar="DAYS",
    help="delete the events older than this many days",
)
@with_appcontext
def prune(days):
    """Delete old audit events (of every writer of the table). The pruning itself is recorded."""
    removed = queries.prune(days)
    audit.record(
        actions.AUDIT_PRUNE, entity_type="audit_log", new={"older_than_days": days, "removed": removed}
    )
    db.session.commit()
    click.echo(f"removed {removed} audit event(s) older than {days} day(s)")
