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


def reset_token(app, email):
    from inventory_auth.accounts import password_reset
    from inventory_auth.accounts.store import find_by_email

    with app.app_context():
        link = password_reset.issue_link(find_by_email(email))
        db.session.commit()
    return link.rsplit("token=", 1)[1]


def test_reset_confirm_hashes_without_a_connection(app, client, accounts, connections_during_hashes):
    user = accounts.register()
    token = reset_token(app, user["email"])
    connections_during_hashes.clear()
    response = client.post("/api/auth/password-reset/confirm",
                           json={"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert connections_during_hashes == [0]


def test_invitation_hashes_without_a_connection(app, client, connections_during_hashes):
    from inventory_auth.accounts import create_user, invitations

    with app.app_context():
        user = create_user(email="invitada@sena.edu.co", password=None, first_name="Inés",
                           last_name="Vargas", role="student")
        token = invitations.issue(user)
        db.session.commit()
    response = client.post("/activar-cuenta", data={"token": token, "password": NEW_PASSWORD,
                                                         "password_confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert connections_during_hashes == [0]


def most_connections_held(app, request):
    """The most pooled connections checked out at any statement while `request()` runs."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    held = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        held.append(engine.pool.checkedout())

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        response = request()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return response, max(held)


@pytest.mark.parametrize(
    "method, path, body",
    [("GET", "/api/auth/me", None), ("PUT", "/api/auth/me", {"phone": "3001234567"}),
     ("POST", "/api/auth/logout-all", None),
     ("POST", "/api/auth/me/change-password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
     ("POST", "/api/auth/me/change-password", {"current_password": "no-es", "new_password": NEW_PASSWORD})],
)
def test_a_request_never_holds_two_connections(app, client, accounts, method, path, body):
    """The token check hands its connection back before the view takes one; the reads before a
    hash hand theirs back before the session takes one."""
    _, token = accounts.token()
    response, most = most_connections_held(
        app, lambda: client.open(path, method=method, json=body, headers=bearer(token)))
    assert response.status_code in (200, 400), response.get_json()
    assert most == 1


@pytest.mark.parametrize("password, status", [(PASSWORD, 200), ("no-es-la-clave", 401)])
def test_a_login_never_holds_two_connections(app, client, accounts, password, status):
    user = accounts.register()
    response, most = most_connections_held(
        app, lambda: client.post("/api/auth/login", json={"email": user["email"], "password": password}))
    assert response.status_code == status
    assert most == 1


def test_a_registration_never_holds_two_connections(app, client):
    from helpers import registration

    response, most = most_connections_held(
        app, lambda: client.post("/api/auth/register", json=registration()))
    assert response.status_code == 201, response.get_json()
    assert most == 1


def test_an_administrator_sets_a_password_without_a_connection(client, accounts, create_user,
                                                              connections_during_hashes):
    admin = create_user(role="admin_general", email="rectora@sena.edu.co", first_name="Rosa",
                        last_name="Díaz")
    headers = bearer(accounts.login(admin["email"])["access_token"])
    user = accounts.register()
    connections_during_hashes.clear()
    response = client.post(f"/api/users/{user['id']}/password", json={"new_password": NEW_PASSWORD},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    assert connections_during_hashes == [0]
