"""What a `flask users` or `flask sessions` command acts on, said before it acts.

The `flask` command reads `.flaskenv`, which sets `APP_ENV=development`, and development makes up
a SECRET_KEY of its own (`instance/secret_key`) when none is set. An operator on the server who
forgets to export the service's environment then acts, silently, with another key: on the
development SQLite file, or on the production database with a key that matches none of its
lockout counters (`unlock` clears nothing) and signs tokens nobody accepts.

So every command first prints one line on stderr, the environment and the database (its URL
with the password hidden), and refuses, before touching anything, the one ambiguous combination:
a non-production environment whose SECRET_KEY was made up, on a database that is not SQLite.
Setting SECRET_KEY (the service's, for production data) or APP_ENV=production says which is
meant.
"""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy.engine import make_url

from ..config import settings


def database_shown(url: str) -> str:
    """The database URL with its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def ambiguity(config) -> str | None:
    """Why this configuration is ambiguous for an operator's command, or None."""
    url = config.SQLALCHEMY_DATABASE_URI
    if config.APP_ENV == "production" or config.SECRET_KEY_FROM_ENVIRONMENT:
        return None
    if url.startswith("sqlite"):
        return None
    return (
        f"refusing to act: APP_ENV={config.APP_ENV} (.flaskenv sets it for the flask command) "
        "with a made-up development SECRET_KEY, on a database that is not the development SQLite "
        "file; lockouts and tokens there belong to another key. Export the service's "
        "environment (APP_ENV=production and its SECRET_KEY), or set SECRET_KEY to act in "
        "development on purpose"
    )


def announce(app: Flask) -> None:
    """Say on stderr what the command acts on; stop (exit status 1) when that is ambiguous."""
    config = settings(app)
    click.echo(
        f"environment {config.APP_ENV}, database "
        f"{database_shown(config.SQLALCHEMY_DATABASE_URI)}",
        err=True,
    )
    reason = ambiguity(config)
    if reason:
        raise click.ClickException(reason)
