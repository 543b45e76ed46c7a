"""No request holds a database connection while it hashes a password.

A PBKDF2 hash is ~130 ms of CPU; a connection kept through it would sit idle in a transaction,
out of reach of the worker's other threads (docs/benchmarks.md, "worker layout").
"""

import pytest
from werkzeug import security

from inventory_auth.extensions import db

from helpers import PASSWORD, bearer

NEW_PASSWORD = "Otra-clave-2026-ñandú"


@pytest.fixture
def connections_during_hashes(monkeypatch):
    """How many pooled connections were checked out at each password hash or verification."""
    seen = []
    original = security._hash_internal

    def recording(method, salt, password):
        seen.append(db.engine.pool.checkedout())
        return original(method, salt, password)

    monkeypatch.setattr(security, "_hash_internal", recording)
    return seen


def test_register_hashes_without_a_connection(accounts, connections_during_hashes):
    accounts.register()
    assert connections_during_hashes == [0]


@pytest.mark.parametrize("password, status", [(PASSWORD, 200), ("no-es-la-clave", 401)])
def test_login_verifies_without_a_connection(client, accounts, connections_during_hashes,
                                             password, status):
    user = accounts.register()
    connections_during_hashes.clear()
    response = client.post("/api/auth/login", json={"email": user["email"], "password": password})
    assert response.status_code == status
    assert connections_during_hashes == [0]


def test_unknown_email_burns_its_hash_without_a_connection(client, connections_during_hashes):
    response = client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "x" * 10})
    assert response.status_code == 401
    assert connections_during_hashes == [0]


def test_change_password_hashes_without_a_connection(client, accounts, connections_during_hashes):
    _, token = accounts.token()
    connections_during_hashes.clear()
    response = client.post(
        "/api/auth/me/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.get_json()
    assert connections_during_hashes == [0, 0]  # the verification, then the new hash


@pytest.mark.parametrize(
    "method, path, body",
    [("GET", "/api/auth/me", None), ("PUT", "/api/auth/me", {"phone": "3001234567"}),
     ("POST", "/api/auth/logout-all", None)],
)
def test_a_request_never_holds_two_connections(app, client, accounts, method, path, body):
    """The token check hands its connection back before the view takes one."""
    from sqlalchemy import event

    _, token = accounts.token()
    with app.app_context():
        engine = db.engine
    held = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        held.append(engine.pool.checkedout())

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        response = client.open(path, method=method, json=body, headers=bearer(token))
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert response.status_code == 200, response.get_json()
    assert held and max(held) == 1


def test_release_refuses_to_commit_unsaved_changes(app):
    from inventory_auth.database import release_connection
    from inventory_auth.models import User

    with app.app_context():
        db.session.add(User(email="x@sena.edu.co", password_hash="x", first_name="X", last_name="Y",
                            role="student"))
        with pytest.raises(RuntimeError):
            release_connection()
        db.session.rollback()
