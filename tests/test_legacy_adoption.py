"""Adopting the previous FastAPI backend's PostgreSQL database, as docs/migrating.md describes."""

import uuid
from datetime import UTC, datetime

import bcrypt
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from inventory_auth import create_app
from inventory_auth.extensions import db

from helpers import base_environ, using_postgres

pytestmark = pytest.mark.skipif(not using_postgres(), reason="the previous backend ran on PostgreSQL")

LEGACY_PASSWORD = "clave-de-siempre-2023"
# The previous backend's tables, as its models and migrations made them: naive timestamps, a
# case-sensitive unique email, a role check named check_role, its own alembic_version.
LEGACY_SCHEMA = """
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('f329c839c580');
CREATE TABLE environments (id UUID PRIMARY KEY, name VARCHAR(100));
CREATE TABLE users (
    id UUID PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(20) NOT NULL,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NOT NULL,
    phone VARCHAR(20),
    program VARCHAR(100),
    ficha VARCHAR(20),
    avatar_url VARCHAR(500),
    is_active BOOLEAN DEFAULT true,
    last_login TIMESTAMP,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    environment_id UUID REFERENCES environments (id),
    CONSTRAINT check_role CHECK (role IN ('student', 'instructor', 'supervisor', 'admin', 'admin_general'))
);
"""
INSERT_USER = sa.text(
    "INSERT INTO users (id, email, password_hash, role, first_name, last_name, is_active, "
    "last_login, created_at, updated_at) VALUES (:id, :email, :hash, :role, 'Laura', 'Gómez', "
    ":active, :at, :at, :at)"
)


@pytest.fixture
def legacy_app(fresh_database):
    url = fresh_database()
    engine = sa.create_engine(url)
    legacy_hash = bcrypt.hashpw(LEGACY_PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()
    with engine.begin() as connection:
        connection.exec_driver_sql(LEGACY_SCHEMA)
        for email, role, active in [("Laura.Gomez@Sena.edu.co", "instructor", True),
                                    ("inactivo@sena.edu.co", "student", None)]:
            connection.execute(INSERT_USER, {
                "id": uuid.uuid4(), "email": email, "hash": legacy_hash, "role": role,
                "active": active, "at": datetime(2025, 3, 1, 13, 30, 0),  # naive UTC
            })
    engine.dispose()
    app = create_app(environ=base_environ(url))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upgrade_adopts_the_users_table_and_its_users_log_in(legacy_app):
    with legacy_app.app_context():
        upgrade()
    client = legacy_app.test_client()
    response = client.post("/api/auth/login",
                           json={"email": "laura.gomez@sena.edu.co", "password": LEGACY_PASSWORD})
    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert user["role"] == "instructor"
    assert user["created_at"] == "2025-03-01T13:30:00+00:00"  # naive UTC read as the same instant
    assert user["is_active"] is True
    with legacy_app.app_context():
        query = "SELECT password_hash FROM users WHERE role = 'instructor'"
        stored = db.session.execute(sa.text(query)).scalar()
        legacy_version = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert stored.startswith("pbkdf2:sha256:")  # re-hashed with the current method on login
    assert legacy_version == "f329c839c580"  # the previous backend's own migrations are left alone
    again = client.post("/api/auth/login",
                        json={"email": "LAURA.GOMEZ@sena.edu.co", "password": LEGACY_PASSWORD})
    assert again.status_code == 200


def test_adopted_table_gets_the_current_rules(legacy_app):
    with legacy_app.app_context():
        upgrade()
        inspector = sa.inspect(db.engine)
        columns = {c["name"]: c for c in inspector.get_columns("users")}
        assert columns["created_at"]["type"].timezone is True
        assert columns["is_active"]["nullable"] is False
        # NULL was inactive to the previous backend (its login refused it), and stays so.
        assert db.session.execute(sa.text("SELECT count(*) FROM users WHERE is_active")).scalar() == 1
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(INSERT_USER, {"id": uuid.uuid4(), "email": "LAURA.gomez@sena.edu.co",
                                             "hash": "x", "role": "student", "active": True,
                                             "at": datetime.now(UTC)})
        db.session.rollback()
        assert "auth_sessions" in inspector.get_table_names()


def test_case_duplicates_stop_the_adoption_with_a_clear_message(legacy_app, caplog):
    with legacy_app.app_context():
        db.session.execute(INSERT_USER, {"id": uuid.uuid4(), "email": "laura.gomez@sena.edu.co",
                                         "hash": "x", "role": "student", "active": True,
                                         "at": datetime(2025, 1, 1)})
        db.session.commit()
        with pytest.raises(SystemExit):
            upgrade()
        assert "laura.gomez@sena.edu.co" in caplog.text and "more than once" in caplog.text
        # Nothing half-done: PostgreSQL's transactional DDL rolled the whole upgrade back.
        columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("users")}
        assert columns["created_at"]["type"].timezone is False
