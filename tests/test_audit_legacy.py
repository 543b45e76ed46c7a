"""The previous backend's `audit_logs`, adopted in place: old rows in the API, other writers go on.

The schema is the previous backend's, all 19 tables as its own migration leaves them
(tests/legacy_backend.py: naive timestamps, `inet`, `jsonb`, its constraint names).
"""

import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from inventory_auth import create_app
from inventory_auth.accounts import create_user
from inventory_auth.extensions import db

import legacy_backend
from helpers import PASSWORD, base_environ, bearer, using_postgres

pytestmark = pytest.mark.skipif(not using_postgres(), reason="the previous backend ran on PostgreSQL")


LAURA = uuid.UUID("0b7f7c1e-3d2a-4c55-9a51-2f0e8a6f1c01")
INSERT_USER = sa.text(
    "INSERT INTO users (id, email, password_hash, role, first_name, last_name, is_active) "
    "VALUES (:id, :email, '$2b$12$' || repeat('x', 53), :role, :first, :last, true)"
)
# As the previous backend's routers write a row: their own action names, naive UTC timestamps.
OLD_INSERT = sa.text(
    "INSERT INTO audit_logs (id, user_id, action, entity_type, entity_id, old_values, new_values, "
    "ip_address, user_agent, session_id, created_at) VALUES (:id, :user_id, :action, :entity_type, "
    ":entity_id, CAST(:old AS jsonb), CAST(:new AS jsonb), CAST(:ip AS inet), :agent, :session, :at)"
)
# Another writer that leaves created_at to the column's DEFAULT CURRENT_TIMESTAMP.
DEFAULT_TIME_INSERT = sa.text(
    "INSERT INTO audit_logs (id, user_id, action, entity_type, new_values, ip_address) "
    "VALUES (:id, :user_id, 'update', 'inventory_item', '{\"status\": \"damaged\"}', '10.1.2.3')"
)
OLD_ROWS = [
    {"action": "create", "entity_type": "loan", "old": None, "new": '{"status": "pending", "quantity": 2}',
     "ip": "192.168.10.5", "agent": "Dart/3.2 (dart:io)", "session": None,
     "at": datetime(2025, 3, 1, 13, 30)},
    {"action": "update", "entity_type": "inventory_item", "old": '{"status": "available"}',
     "new": '{"status": "in_use"}', "ip": "2800:e2:4b80::1", "agent": None, "session": "abc",
     "at": datetime(2025, 3, 2, 8, 0, 0, 250000)},
]


def legacy_schema(connection) -> None:
    """The previous backend's whole schema (all 19 tables, tests/legacy_backend.py), with its own
    migration version; the rows each test needs are inserted by the test."""
    legacy_backend.create_schema(connection)
    connection.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"),
                       {"v": legacy_backend.LEGACY_REVISION})


@pytest.fixture
def legacy_app(fresh_database):
    url = fresh_database()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        legacy_schema(connection)
        connection.execute(INSERT_USER, {"id": LAURA, "email": "laura.gomez@sena.edu.co",
                                         "role": "instructor", "first": "Laura", "last": "Gómez"})
        for row in OLD_ROWS:
            connection.execute(OLD_INSERT, {"id": uuid.uuid4(), "user_id": LAURA, "entity_id": uuid.uuid4(),
                                            **row})
        connection.execute(OLD_INSERT, {**OLD_ROWS[0], "id": uuid.uuid4(), "user_id": None,
                                        "entity_id": None, "action": "delete", "at": datetime(2024, 12, 31)})
    engine.dispose()
    app = create_app(environ=base_environ(url))
    with app.app_context():
        upgrade()
        create_user(email="rectora@sena.edu.co", password=PASSWORD, first_name="Rosa", last_name="Díaz",
                    role="admin_general")
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def admin_token(client):
    response = client.post("/api/auth/login", json={"email": "rectora@sena.edu.co", "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def logs(client, token, **query):
    response = client.get("/api/audit-logs/", query_string={"per_page": 100, **query}, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_old_rows_show_in_the_api_with_their_users_and_utc_times(legacy_app):
    client = legacy_app.test_client()
    token = admin_token(client)
    body = logs(client, token)
    assert [log["action"] for log in body["logs"]] == ["login", "update", "create", "delete"]
    login, update, create, delete = body["logs"]
    assert login["user_email"] == "rectora@sena.edu.co" and login["ip_address"] == "127.0.0.1"
    assert create["user_name"] == "Laura Gómez" and create["user_email"] == "laura.gomez@sena.edu.co"
    assert create["user_id"] == str(LAURA) and create["entity_type"] == "loan"
    assert create["created_at"] == "2025-03-01T13:30:00+00:00"  # naive UTC, the same instant
    assert create["new_values"] == {"status": "pending", "quantity": 2} and create["old_values"] is None
    assert create["ip_address"] == "192.168.10.5" and create["user_agent"] == "Dart/3.2 (dart:io)"
    assert update["created_at"] == "2025-03-02T08:00:00.250000+00:00"
    assert update["ip_address"] == "2800:e2:4b80::1"
    assert update["old_values"] == {"status": "available"} and update["session_id"] == "abc"
    assert delete["user_id"] is None and delete["user_name"] is None
    assert [log["action"] for log in logs(client, token, search="gómez")["logs"]] == ["update", "create"]
    march = logs(client, token, start_date="2025-03-01", end_date="2025-03-01")["logs"]
    assert [log["action"] for log in march] == ["create"]
    stats = client.get("/api/audit-logs/stats", query_string={"days": 3650}, headers=bearer(token)).get_json()
    assert stats["total_logs"] == 4 and stats["info_logs"] == 3  # other writers' actions count as info
    assert {"name": "Laura Gómez", "email": "laura.gomez@sena.edu.co", "count": 2} in stats["top_users"]


def test_the_table_is_kept_as_it_was_and_other_writers_keep_working(legacy_app):
    client = legacy_app.test_client()
    token = admin_token(client)
    with legacy_app.app_context():
        inspector = sa.inspect(db.engine)
        columns = {c["name"]: c["type"] for c in inspector.get_columns("audit_logs")}
        assert columns["created_at"].timezone is False
        assert type(columns["ip_address"]).__name__ == "INET"
        assert type(columns["new_values"]).__name__ == "JSONB"
        assert {fk["name"] for fk in inspector.get_foreign_keys("audit_logs")} == {"audit_logs_user_id_fkey"}
        indexes = {index["name"]: index["column_names"] for index in inspector.get_indexes("audit_logs")}
        assert indexes == {
            "ix_audit_logs_created_at": ["created_at"],
            "ix_audit_logs_user_id_created_at": ["user_id", "created_at"],
            "ix_audit_logs_action_created_at": ["action", "created_at"],
            "ix_audit_logs_entity": ["entity_type", "entity_id"],
        }
        # Another writer, after the upgrade: its old columns, an explicit naive time, or the default.
        approve = {**OLD_ROWS[0], "id": uuid.uuid4(), "user_id": LAURA, "entity_id": None,
                   "action": "approve", "at": datetime(2026, 1, 5, 9)}
        db.session.execute(OLD_INSERT, approve)
        db.session.execute(DEFAULT_TIME_INSERT, {"id": uuid.uuid4(), "user_id": LAURA})
        db.session.commit()
        naive_now = db.session.scalar(sa.text("SELECT (now() AT TIME ZONE 'UTC')::timestamp"))
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_logs")) == 3 + 1 + 2  # nothing lost
    body = logs(client, token)
    by_action = {log["action"]: log for log in body["logs"]}
    assert by_action["approve"]["created_at"] == "2026-01-05T09:00:00+00:00"
    defaulted = next(log for log in body["logs"] if log["entity_type"] == "inventory_item"
                     and log["new_values"] == {"status": "damaged"})
    written_at = datetime.fromisoformat(defaulted["created_at"]).replace(tzinfo=None)
    assert abs((written_at - naive_now).total_seconds()) < 60  # the server's UTC clock
    assert defaulted["user_name"] == "Laura Gómez" and defaulted["ip_address"] == "10.1.2.3"
    assert body["total"] == 6


def test_downgrading_keeps_the_adopted_table_and_its_rows(legacy_app):
    with legacy_app.app_context():
        downgrade(revision="0002")
        inspector = sa.inspect(db.engine)
        assert "audit_logs" in inspector.get_table_names()
        assert not [i for i in inspector.get_indexes("audit_logs") if i["name"].startswith("ix_audit_logs")]
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_logs")) == 3
        upgrade()
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_logs")) == 3
