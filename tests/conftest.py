"""Fixtures: one database per test session, clean tables per test, `app`/`client`/`runner`.

`TEST_DATABASE=postgresql` runs the suite on a fresh PostgreSQL database created on
`TEST_POSTGRES_URL` (default: the local server, user postgres) and dropped at the end;
anything else runs it on a SQLite file in a temporary folder. Either way the schema comes from the
Alembic migrations, as in production.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from inventory_auth import create_app
from inventory_auth.extensions import db

POSTGRES_SERVER = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"
# Tests hash a great many passwords; a cheap method keeps them fast. The production default is
# tested on its own (tests/test_passwords.py).
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "Correcto caballo 42"


def using_postgres() -> bool:
    return os.environ.get("TEST_DATABASE", "sqlite").lower() in ("postgresql", "postgres", "pg")


def _server_engine():
    return sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")


def create_postgres_database(name: str) -> str:
    engine = _server_engine()
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    engine = _server_engine()
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory):
    """A factory of empty databases, dropped at the end of the session."""
    made = []

    def make() -> str:
        if using_postgres():
            name = f"inventory_auth_test_{uuid.uuid4().hex[:12]}"
            made.append(name)
            return create_postgres_database(name)
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")

    yield make
    for name in made:
        drop_postgres_database(name)


def base_environ(database_url: str, **overrides) -> dict:
    environ = {
        "APP_ENV": "testing",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "LEGACY_BCRYPT_ROUNDS": "4",
    }
    environ.update(overrides)
    return environ


@pytest.fixture(scope="session")
def database_url(fresh_database):
    url = fresh_database()
    app = create_app(environ=base_environ(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def make_app(database_url):
    """Build an app on the session's database, with environment or config overrides."""
    apps = []

    def make(config=None, **environ):
        app = create_app(config=config, environ=base_environ(database_url, **environ))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if apps:
        empty_tables(database_url)


def empty_tables(database_url):
    """Leave the session's database as the migrations made it, for the next test."""
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
        else:
            for name in tables:
                connection.execute(sa.text(f"DELETE FROM {name}"))
    engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Accounts:
    """Make and sign in users through the HTTP API, as the app does."""

    def __init__(self, client):
        self.client = client
        self.counter = 0

    def register(self, email=None, password=PASSWORD, **fields):
        self.counter += 1
        body = {
            "email": email or f"aprendiz{self.counter}@sena.edu.co",
            "password": password,
            "first_name": "Aprendiz",
            "last_name": f"Número {self.counter}",
            "role": "student",
            "phone": None,
            "program": None,
        }
        body.update(fields)
        response = self.client.post("/api/auth/register", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def login(self, email, password=PASSWORD):
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def token(self, email=None, password=PASSWORD, **fields):
        """Register a fresh user and return (user, access token)."""
        user = self.register(email=email, password=password, **fields)
        return user, self.login(user["email"], password)["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def accounts(client):
    return Accounts(client)


@pytest.fixture
def create_user(app):
    """Insert a user directly (any role, active or not), as an administrator would."""
    from inventory_auth import accounts as account_service

    counter = iter(range(1, 10_000))

    def create(role="student", password=PASSWORD, email=None, **fields):
        n = next(counter)
        values = {"first_name": "Usuario", "last_name": f"Directo {n}", "role": role}
        values.update(fields)
        with app.app_context():
            user = account_service.create_user(
                email=email or f"{role}{n}@sena.edu.co", password=password, **values
            )
            return {"id": str(user.id), "email": user.email, "role": user.role}

    return create
