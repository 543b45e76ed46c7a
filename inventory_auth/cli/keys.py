"""`flask keys`: the signing keys of an asymmetric ALGORITHM (signing/rotation.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import audit
from ..audit import actions
from ..exceptions import DomainError
from ..extensions import db
from ..signing import rotation
from .errors import describe, fail
from .origin import AuditedGroup


def _when(value) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


def _refused(error: DomainError):
    db.session.rollback()
    fail(describe(error))


@click.group("keys", cls=AuditedGroup)
def keys_group():
    """Signing keys (ALGORITHM EdDSA, ES256 or RS256)."""


@keys_group.command("list")
@with_appcontext
def list_keys():
    """Every key, oldest first: its state (next, signing, verifying, expired, retired), when it
    signs from, when it stopped, and until when it is published in the JWKS."""
    try:
        states = rotation.list_keys()
    except DomainError as error:
        _refused(error)
    click.echo(f"{'kid':<44} {'alg':<6} {'state':<9} {'signs from':<25} {'stopped':<25} published until")
    for key in states:
        origin = " (JWT_PRIVATE_KEY_FILE)" if key.in_file else ""
        stopped = key.retired_at if key.state == "retired" else key.stops_at
        click.echo(
            f"{key.kid:<44} {key.algorithm:<6} {key.state:<9} {_when(key.signs_from):<25} "
            f"{_when(stopped):<25} {_when(key.published_until)}{origin}"
        )


@keys_group.command("rotate")
@click.option("--now", "at_once", is_flag=True,
              help="sign with the new key at once (a key that leaked), without waiting for every "
                   "worker and verifier to see it first")
@with_appcontext
def rotate(at_once):
    """Make a new key. It is published at once and signs once every worker and every verifier's
    cached JWKS has it (SIGNING_KEYS_REFRESH_SECONDS + JWKS_MAX_AGE_SECONDS); the key it replaces
    keeps verifying until the tokens it signed have expired."""
    try:
        row = rotation.rotate(at_once=at_once)
    except DomainError as error:
        _refused(error)
    audit.record(actions.SIGNING_KEY_ROTATE, entity_type="signing_key",
                 new={"kid": row.kid, "algorithm": row.algorithm, "signs_from": _when(row.signs_from)})
    db.session.commit()
    click.echo(f"new {row.algorithm} key {row.kid}: published now, signs from {_when(row.signs_from)}")


# A kid is base64url and may start with "-": never read it as an option.
@keys_group.command("retire", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
@with_appcontext
def retire(kid):
    """Stop trusting a key that no longer signs, at once (a key that leaked): it leaves the JWKS
    and its tokens are refused within SIGNING_KEYS_REFRESH_SECONDS here, and by other services
    once their cached JWKS expires (JWKS_MAX_AGE_SECONDS)."""
    try:
        state = rotation.retire(kid)
    except DomainError as error:
        _refused(error)
    audit.record(actions.SIGNING_KEY_RETIRE, entity_type="signing_key", new={"kid": kid})
    db.session.commit()
    click.echo(f"retired key {state.kid}: its tokens are refused from now on")
