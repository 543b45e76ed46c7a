"""The Alembic migrations: they build the schema the models describe, and take it down again."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from inventory_auth import create_app
from inventory_auth.extensions import MIGRATIONS_VERSION_TABLE, db
from inventory_auth.models import exists_on

from helpers import base_environ


@pytest.fixture
def empty_app(fresh_database):
    app = create_app(environ=base_environ(fresh_database()))
    yield app
    with app.app_context():
        db.engine.dispose()


def table_names(app):
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names()) - {MIGRATIONS_VERSION_TABLE}


def test_upgrade_on_empty_database_then_downgrade(empty_app):
    assert table_names(empty_app) == set()
    with empty_app.app_context():
        upgrade()
    assert "users" in table_names(empty_app)
    assert table_names(empty_app) == {table.name for table in db.metadata.sorted_tables}
    with empty_app.app_context():
        downgrade(revision="base")
    assert table_names(empty_app) == set()


def test_migrations_match_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "version_table": MIGRATIONS_VERSION_TABLE,
                    "include_object": exists_on(connection.dialect.name),
                },
            )
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_role_check_constraint_is_in_the_database(empty_app):
    with empty_app.app_context():
        upgrade()
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (id, email, password_hash, first_name, last_name, role) "
                "VALUES ('0b6f2f6e5a6c4b0e9f0e6b7d8c9a0b1c', 'x@y.co', 'h', 'a', 'b', 'rey')"
            ))


def test_case_insensitive_unique_email_is_in_the_database(empty_app):
    insert = sa.text(
        "INSERT INTO users (id, email, password_hash, first_name, last_name, role) "
        "VALUES (:id, :email, 'h', 'a', 'b', 'student')"
    )
    with empty_app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(insert, {"id": "0b6f2f6e5a6c4b0e9f0e6b7d8c9a0b1c", "email": "ana@sena.edu.co"})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(insert, {"id": "1b6f2f6e5a6c4b0e9f0e6b7d8c9a0b1c", "email": "ANA@sena.edu.co"})


def test_downgrade_refuses_to_drop_accounts(empty_app, caplog):
    with empty_app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (id, email, password_hash, first_name, last_name, role) "
                "VALUES ('0b6f2f6e5a6c4b0e9f0e6b7d8c9a0b1c', 'x@y.co', 'h', 'a', 'b', 'student')"
            ))
        with pytest.raises(SystemExit):
            downgrade(revision="base")
    assert "refusing to drop" in caplog.text
    assert "users" in table_names(empty_app)
