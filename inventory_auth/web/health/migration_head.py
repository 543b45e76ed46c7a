"""Is the database's schema the one this release needs: the head revision of its migrations?

A database nobody migrated answers `SELECT 1` as well as a migrated one, and then every login
fails on a missing table. Readiness and gunicorn's start-up check ask this too: one read of
the service's version table, compared with the heads of `migrations/` (read from the files once per
process). Readiness remembers a match, so once the schema is right it costs nothing more; a
release that changes the schema restarts the processes anyway.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ... import MIGRATIONS_DIRECTORY
from ...extensions import MIGRATIONS_VERSION_TABLE

UPGRADE = "run `flask db upgrade`"


@cache
def expected_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIRECTORY)).get_heads())


@cache
def known_revisions() -> frozenset[str]:
    scripts = ScriptDirectory(str(MIGRATIONS_DIRECTORY)).walk_revisions()
    return frozenset(script.revision for script in scripts)


def schema_problem(connection: Connection) -> str | None:
    """None when the database is at the head revision, else what is wrong and what to run (one
    English line, for the log). A database without the version table was never migrated."""
    if not sa.inspect(connection).has_table(MIGRATIONS_VERSION_TABLE):
        return f"the database has no schema yet (no {MIGRATIONS_VERSION_TABLE} table): {UPGRADE}"
    version = sa.table(MIGRATIONS_VERSION_TABLE, sa.column("version_num"))
    found = frozenset(connection.execute(sa.select(version.c.version_num)).scalars())
    expected = expected_heads()
    if found == expected:
        return None
    shown, wanted = ", ".join(sorted(found)) or "none", ", ".join(sorted(expected))
    if found - known_revisions():
        return (
            f"the database schema is at revision {shown}, which this release does not know "
            f"(a newer release migrated it?); this release needs {wanted}"
        )
    return f"the database schema is at revision {shown}, this release needs {wanted}: {UPGRADE}"
