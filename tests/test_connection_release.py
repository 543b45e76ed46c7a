"""No request holds a database connection while it hashes a password.

A PBKDF2 hash is ~130 ms of CPU; a connection kept through it would sit idle in a transaction,
out of reach of the worker's other threads (docs/benchmarks.md, "worker layout").
"""

import pytest
from werkzeug import security

from inventory_auth.extensions import db

from conftest import PASSWORD, bearer

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
