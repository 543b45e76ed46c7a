"""Access tokens minted as the previous backend minted them, during LEGACY_TOKENS_UNTIL.

HS256 with the same SECRET_KEY, the claims `sub`, `role` and `exp` only, 30 days (helpers.
legacy_token). Accepted as access tokens only inside the configured window; everything that ends a
user's sessions ends them at once. (On the previous backend's real database: test_legacy_database.py.)
"""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db

from helpers import PASSWORD, bearer, in_days, legacy_token

NEW_PASSWORD = "Otra frase distinta del todo 58"


@pytest.fixture
def window_app(make_app):
    return make_app(LEGACY_TOKENS_UNTIL=in_days(7))


@pytest.fixture
def client(window_app):
    return window_app.test_client()


def me(client, token):
    return client.get("/api/auth/me", headers=bearer(token))


def cli(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_token_of_the_previous_backend_works_within_the_window(client, accounts):
    user = accounts.register(program="ADSO")

    response = me(client, legacy_token(user["id"], user["role"]))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == user["id"]
    assert response.get_json()["program"] == "ADSO"
    # It is an access token for everything an access token does.
    changed = client.put("/api/auth/me", json={"phone": "3001112233"},
                         headers=bearer(legacy_token(user["id"], user["role"])))
    assert changed.status_code == 200


def test_without_the_window_they_are_refused(make_app):
    app = make_app()  # LEGACY_TOKENS_UNTIL unset: the default
    client = app.test_client()
    user = client.post("/api/auth/register", json={
        "email": "sin.ventana@sena.edu.co", "password": PASSWORD, "first_name": "Sin",
        "last_name": "Ventana", "role": "student"}).get_json()

    response = me(client, legacy_token(user["id"], "student"))

    assert response.status_code == 401
    assert response.get_json() == {"detail": "Token inválido o expirado"}


def test_after_the_window_they_are_refused_again(make_app):
    until = datetime.now(UTC) + timedelta(seconds=2)
    app = make_app(LEGACY_TOKENS_UNTIL=until.isoformat())
    client = app.test_client()
    user = client.post("/api/auth/register", json={
        "email": "ventana@sena.edu.co", "password": PASSWORD, "first_name": "Con",
        "last_name": "Ventana", "role": "student"}).get_json()
    token = legacy_token(user["id"], "student")
    assert me(client, token).status_code == 200

    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.05)

    assert me(client, token).status_code == 401


def test_deactivation_ends_them_at_once(window_app, client, accounts):
    user = accounts.register()
    token = legacy_token(user["id"], user["role"])
    assert me(client, token).status_code == 200

    cli(window_app, "users", "deactivate", user["email"])
    assert me(client, token).status_code == 401

    # Activated again, the token stays dead: it was issued before the deactivation.
    cli(window_app, "users", "activate", user["email"])
    assert me(client, token).status_code == 401


def test_a_role_change_ends_them_at_once(window_app, client, accounts):
    user = accounts.register()
    token = legacy_token(user["id"], "student")
    assert me(client, token).status_code == 200

    cli(window_app, "users", "set-role", user["email"], "instructor")
    assert me(client, token).status_code == 401
    # Not even a token claiming the new role, if issued before the change.
    before = datetime.now(UTC) - timedelta(minutes=1)
    assert me(client, legacy_token(user["id"], "instructor", issued=before)).status_code == 401


def test_a_password_change_ends_them_at_once(client, accounts):
    user = accounts.register()
    token = legacy_token(user["id"], user["role"])
    other_device = legacy_token(user["id"], user["role"], issued=datetime.now(UTC) - timedelta(days=3))

    changed = client.post("/api/auth/me/change-password", headers=bearer(token), json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert changed.status_code == 200, changed.get_json()
    assert me(client, token).status_code == 401
    assert me(client, other_device).status_code == 401
    assert me(client, changed.get_json()["access_token"]).status_code == 200  # the new session


def test_the_administrators_password_reset_ends_them(window_app, client, accounts):
    user = accounts.register()
    token = legacy_token(user["id"], user["role"])
    cli(window_app, "users", "set-password", "--password-stdin", user["email"], input=NEW_PASSWORD)
    assert me(client, token).status_code == 401


def test_logout_all_ends_them_at_once(window_app, client, accounts):
    user = accounts.register()
    token = legacy_token(user["id"], user["role"])
    session = accounts.login(user["email"])["access_token"]
    updated_at = me(client, session).get_json()["updated_at"]

    assert client.post("/api/auth/logout-all", headers=bearer(session)).status_code == 200

    assert me(client, token).status_code == 401
    shown = cli(window_app, "users", "show", user["email"])
    assert f"updated     {updated_at}" in shown  # the profile did not change


def test_an_administrators_logout_ends_them_at_once(window_app, client, accounts):
    user = accounts.register()
    token = legacy_token(user["id"], user["role"])
    cli(window_app, "users", "logout", user["email"])
    assert me(client, token).status_code == 401


def test_logout_with_one_ends_every_token_of_the_previous_backend_of_the_user(client, accounts):
    user = accounts.register()
    phone = legacy_token(user["id"], user["role"], issued=datetime.now(UTC) - timedelta(days=2))
    tablet = legacy_token(user["id"], user["role"], issued=datetime.now(UTC) - timedelta(days=9))
    session = accounts.login(user["email"])["access_token"]

    response = client.post("/api/auth/logout", headers=bearer(phone))

    assert response.status_code == 200
    assert response.get_json() == {"message": "Sesión cerrada exitosamente"}
    assert me(client, phone).status_code == 401
    assert me(client, tablet).status_code == 401
    assert me(client, session).status_code == 200  # sessions of this service are left alone


def test_they_cannot_refresh(client, accounts):
    user = accounts.register()
    token = legacy_token(user["id"], user["role"])
    response = client.post("/api/auth/refresh", json={"refresh_token": token})
    assert response.status_code == 401


def test_a_later_token_is_judged_by_its_own_issue_time(client, accounts):
    """What ends them is the instant: a token issued after it (the previous backend still
    running, which is not supported, but possible) is not refused for an earlier logout."""
    user = accounts.register()
    session = accounts.login(user["email"])["access_token"]
    client.post("/api/auth/logout-all", headers=bearer(session))

    time.sleep(1.1)  # `exp` is in whole seconds
    later = legacy_token(user["id"], user["role"])

    assert me(client, later).status_code == 200


@pytest.mark.parametrize("forgery", [
    "wrong role", "wrong key", "none algorithm", "HS512", "extra claim", "iat", "jti",
    "type refresh", "exp too far", "sub not a uuid", "no exp",
])
def test_forgeries_and_look_alikes_are_refused(client, accounts, forgery):
    import jwt

    user = accounts.register()  # a student
    now = datetime.now(UTC)
    claims = {"sub": user["id"], "role": "student", "exp": now + timedelta(days=30)}
    key, algorithm = "test-secret-key-that-is-long-enough-for-hs256", "HS256"
    if forgery == "wrong role":
        claims["role"] = "admin_general"
    elif forgery == "wrong key":
        key = "another-secret-key-that-is-long-enough-for-hs256"
    elif forgery == "none algorithm":
        key, algorithm = None, "none"
    elif forgery == "HS512":
        algorithm = "HS512"
    elif forgery == "extra claim":
        claims["admin"] = True
    elif forgery == "iat":
        claims["iat"] = now
    elif forgery == "jti":
        claims["jti"] = str(uuid.uuid4())
    elif forgery == "type refresh":
        claims["type"] = "refresh"
    elif forgery == "exp too far":  # would pass any later logout for a year
        claims["exp"] = now + timedelta(days=365)
    elif forgery == "sub not a uuid":
        claims["sub"] = "1"
    elif forgery == "no exp":
        del claims["exp"]
    token = jwt.encode(claims, key, algorithm=algorithm)

    response = me(client, token)

    assert response.status_code == 401, response.get_json()


def test_a_token_for_a_user_that_is_gone_is_404_as_for_any_token(client):
    assert me(client, legacy_token(uuid.uuid4(), "student")).status_code == 404


def statements(app, client, token):
    seen = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert me(client, token).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
    return seen


def test_tokens_of_this_service_cost_the_same_statement_with_the_window_open(make_app, window_app):
    closed = make_app()
    _, closed_token = _login(closed.test_client(), "cerrada@sena.edu.co")
    _, open_token = _login(window_app.test_client(), "abierta@sena.edu.co")

    without = statements(closed, closed.test_client(), closed_token)
    within = statements(window_app, window_app.test_client(), open_token)

    assert within == without
    assert len(within) == 1
    assert "legacy_tokens_revoked_at" not in within[0]


def test_a_token_of_the_previous_backend_costs_one_statement(window_app, client, accounts):
    user = accounts.register()
    seen = statements(window_app, client, legacy_token(user["id"], user["role"]))
    assert len(seen) == 1


def _login(client, email):
    body = {"email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Ruiz",
            "role": "student"}
    user = client.post("/api/auth/register", json=body).get_json()
    tokens = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).get_json()
    return user, tokens["access_token"]
