"""Fixtures: one database per test session, clean tables per test, `app`/`client`/`runner`.

`TEST_DATABASE=postgresql` runs the suite on a fresh PostgreSQL database created on
`TEST_POSTGRES_URL` (default: the local server, user postgres) and dropped at the end;
anything else runs it on a SQLite file in a temporary folder. Either way the schema comes from the
Alembic migrations, as in production. Shared constants and helpers are in helpers.py.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from inventory_auth import create_app, mail
from inventory_auth.extensions import db

from helpers import (
    PASSWORD,
    Accounts,
    base_environ,
    create_postgres_database,
    drop_postgres_database,
    using_postgres,
)
from smtp_server import closed_port, smtp_server  # noqa: F401  (fixtures: a real SMTP server)


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
        # The app's mail thread ends with its test: nothing it logs reaches a later test's output.
        mail.outbox(app).close(timeout=2)
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
            db.session.commit()
            return {"id": str(user.id), "email": user.email, "role": user.role}

    return create


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash check made, as (algorithm, method or cost), in order."""
    import bcrypt

    from inventory_auth.security import passwords

    made = []
    real_werkzeug, real_bcrypt = passwords.check_password_hash, bcrypt.checkpw

    def werkzeug_check(stored, password):
        made.append(("werkzeug", stored.split("$", 1)[0]))
        return real_werkzeug(stored, password)

    def bcrypt_check(password, stored):
        made.append(("bcrypt", stored[:7].decode()))
        return real_bcrypt(password, stored)

    monkeypatch.setattr(passwords, "check_password_hash", werkzeug_check)
    monkeypatch.setattr(bcrypt, "checkpw", bcrypt_check)
    return made
