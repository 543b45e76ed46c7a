"""The database, tried once when the server starts (gunicorn's master, before any worker).

Without it, a wrong user or port in the database settings showed nowhere until the first request,
and then only as a 503. Three outcomes:
- it can never work as configured (the server refused the user or its password, the database
  does not exist, the SQLite file cannot be opened): the server stops, one line naming the
  settings to check;
- it cannot be reached now (refused, timed out, starting up): one warning, and the server starts
  anyway, with readiness down (503) until the database answers, as after an outage;
- it answers but has not this release's schema: one warning saying to run `flask db upgrade`
  (a release step may be running it right now), readiness down until it is done.
The lines are the command line's (`cli/failures.py`), so an operator reads one wording.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

from ...cli.failures import describe
from ...config import Settings
from .migration_head import schema_problem

# What the server (or SQLite) says when the settings themselves are wrong: waiting cannot help.
NEVER_WORKS = (
    "authentication failed",  # password (or ident, peer...) authentication failed for user
    "does not exist",  # role "x" does not exist, database "x" does not exist
    "no pg_hba.conf entry",
    "unable to open database file",
)


@dataclass(frozen=True)
class Finding:
    fatal: bool
    line: str


def check_database(config: Settings) -> Finding | None:
    """None when the database answers with this release's schema, else what to say about it."""
    url = config.SQLALCHEMY_DATABASE_URI
    connect_args = config.SQLALCHEMY_ENGINE_OPTIONS.get("connect_args", {})
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            problem = schema_problem(connection)
    except sa_exc.SQLAlchemyError as error:
        line = describe(error, config) or f"cannot use the database: {type(error).__name__}"
        if any(marker in str(getattr(error, "orig", error)).lower() for marker in NEVER_WORKS):
            return Finding(True, line)
        return Finding(False, f"{line}; serving with readiness down (503) until it answers")
    finally:
        engine.dispose()
    if problem is not None:
        return Finding(False, f"{problem}; readiness answers 503 until then")
    return None
