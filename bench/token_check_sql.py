"""PostgreSQL's CPU per token check: the statement sent as text each time, against the same
statement prepared once on the connection (what the service does, `prepared_reads.py`).

    .venv/bin/python -m bench.token_check_sql [--checks 20000] [--users 1000]

On a fresh database of the local PostgreSQL (`bench/database.py`), migrated and seeded, with one
live session: one psycopg2 connection in autocommit runs the check `--checks` times each way, twice,
and the server process's own CPU time (`/proc/<backend pid>/stat`, so PostgreSQL must run on this
machine) is divided by the checks. Prints one line per pass.
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
import uuid
from pathlib import Path

import psycopg2
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.engine import make_url

from inventory_auth.sessions.token_check import TOKEN_CHECK

from . import database

DATABASE = "inventory_auth_token_check_sql"


def backend_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.token_check_sql", description=__doc__)
    parser.add_argument("--checks", type=int, default=20000)
    parser.add_argument("--users", type=int, default=1000)
    o = parser.parse_args(argv)
    url = database.recreate(DATABASE)
    try:
        database.upgrade(dict(os.environ, DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(48)))
        database.seed(url, 1, o.users, "pbkdf2:sha256:1$x$x")
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = psycopg2.connect(dsn)
        connection.autocommit = True
        cursor = connection.cursor()
        cursor.execute("SELECT id FROM users WHERE email = %s", (f"bench-user-1@{database.DOMAIN}",))
        user_id, session_id = str(cursor.fetchone()[0]), str(uuid.uuid4())
        cursor.execute(
            "INSERT INTO auth_sessions (id, user_id, current_jti, refreshed_at, created_at, expires_at)"
            " VALUES (%s, %s, %s, now(), now(), now() + interval '1 day')",
            (session_id, user_id, str(uuid.uuid4())),
        )
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        query = TOKEN_CHECK.compile(PGDialect_psycopg2(), prepared=True)
        cursor.execute(query.prepare)
        parameters = {"user_id": user_id, "session_id": session_id}
        for _ in range(2):
            for name, sql in (("as text", query.sql), ("prepared", query.execute)):
                cpu, wall = backend_cpu_seconds(pid), time.perf_counter()
                for _ in range(o.checks):
                    cursor.execute(sql, parameters)
                    assert cursor.fetchone()[-1] is not None  # the session is alive
                cpu, wall = backend_cpu_seconds(pid) - cpu, time.perf_counter() - wall
                print(f"{name}: PostgreSQL CPU {1e6 * cpu / o.checks:.0f} µs per check, "
                      f"round trip {1e6 * wall / o.checks:.0f} µs ({o.checks} checks)", flush=True)
        connection.close()
    finally:
        database.drop(DATABASE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
