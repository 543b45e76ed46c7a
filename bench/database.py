"""The benchmark's own PostgreSQL database: created fresh, migrated, seeded, dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")

# Seeded accounts are bench-user-<n>@DOMAIN, n = 1..users, all with PASSWORD.
DOMAIN = "bench.sena.edu.co"
PASSWORD = "Tornillo morado 83 lampara"
WRONG_PASSWORD = "Tornillo morado 84 lampara"


def _server_engine():
    return sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")


def database_url(name: str) -> str:
    return sa.engine.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def recreate(name: str) -> str:
    """Drop `name` if a previous run left it, create it empty; its URL."""
    engine = _server_engine()
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return database_url(name)


def drop(name: str) -> None:
    engine = _server_engine()
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def upgrade(env: dict) -> None:
    """`flask db upgrade`, the Procfile's release step, with the service's environment."""
    flask = Path(sys.executable).parent / "flask"
    subprocess.run(
        [str(flask), "--app", "wsgi", "db", "upgrade"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def service_credential(env: dict, name: str) -> str:
    """`flask services create NAME` with the service's environment: the HTTP Basic credential
    (base64 of `name:secret`) POST /api/auth/introspect takes."""
    import base64

    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "services", "create", name],
        cwd=REPO, env=env, check=True, capture_output=True, text=True,
    )
    secret = done.stdout.strip().splitlines()[-1]
    return base64.b64encode(f"{name}:{secret}".encode()).decode()


def hashing_app(method: str):
    """A bare Flask app whose settings hash with `method`: enough for the service's password
    functions, without its database or extensions."""
    import tempfile

    from flask import Flask

    from inventory_auth.config import load_settings

    app = Flask(__name__)
    with tempfile.TemporaryDirectory() as instance:
        app.extensions["settings"] = load_settings(
            instance, {"APP_ENV": "testing", "PASSWORD_HASH_METHOD": method}
        )
    return app


def password_hash(method: str) -> str:
    """One hash of PASSWORD made by the service's own hashing function with `method`."""
    from inventory_auth.security.passwords import hash_password

    with hashing_app(method).app_context():
        return hash_password(PASSWORD)


def seed(url: str, first: int, last: int, stored_hash: str) -> float:
    """Insert users first..last in one statement; seconds taken (ANALYZE included)."""
    engine = sa.create_engine(url)
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, password_hash, first_name, last_name, role, is_active, "
                "created_at, updated_at) "
                "SELECT gen_random_uuid(), 'bench-user-' || n || '@' || :domain, :hash, 'Usuario', "
                "'Prueba ' || n, 'student', true, now(), now() "
                "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n"
            ),
            {"domain": DOMAIN, "hash": stored_hash, "first": first, "last": last},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE users"))
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def count_users(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        total = connection.execute(sa.text("SELECT count(*) FROM users")).scalar_one()
    engine.dispose()
    return total


def server_version() -> str:
    engine = _server_engine()
    with engine.connect() as connection:
        version = connection.execute(sa.text("SHOW server_version")).scalar_one()
    engine.dispose()
    return version
