"""`flask services`: the credentials other services call POST /api/auth/introspect with."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import audit, service_clients
from ..audit import actions
from ..exceptions import DomainError
from ..extensions import db
from ..service_clients.credentials import valid_name
from .errors import describe, fail
from .origin import AuditedGroup


@click.group("services", cls=AuditedGroup)
def services_group():
    """Credentials of the services that introspect tokens."""


def _name(name: str) -> str:
    if not valid_name(name):
        fail("a service name is 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with "
             "a letter or digit")
    return name


def _recorded(action: str, change, name: str):
    """Run one change of a credential, audit it and commit; a refusal is one line, nothing changed."""
    try:
        result = change(name)
    except DomainError as error:
        db.session.rollback()
        fail(describe(error))
    client = result[0] if isinstance(result, tuple) else result
    audit.record(action, entity_type="service_client", entity_id=client.id, new={"name": client.name})
    db.session.commit()
    return result


@services_group.command("create")
@click.argument("name")
@with_appcontext
def create(name):
    """Make a credential for the service NAME and print its secret, once: it is stored hashed and
    cannot be shown again (revoke and create another if it is lost)."""
    client, secret = _recorded(actions.SERVICE_CLIENT_CREATE, service_clients.create, _name(name))
    click.echo(f"created service {client.name}; its secret (shown only now):", err=True)
    click.echo(secret)


@services_group.command("list")
@with_appcontext
def list_services():
    """Every credential, live and revoked."""
    for client in service_clients.list_clients():
        state = f"revoked {client.revoked_at.isoformat(timespec='seconds')}" if client.revoked_at else "live"
        click.echo(f"{client.name:<32} created {client.created_at.isoformat(timespec='seconds')}  {state}")


@services_group.command("revoke")
@click.argument("name")
@with_appcontext
def revoke(name):
    """End the credential of the service NAME at once."""
    client = _recorded(actions.SERVICE_CLIENT_REVOKE, service_clients.revoke, name)
    click.echo(f"revoked service {client.name}: its calls are refused from now on")
