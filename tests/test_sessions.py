"""Refresh tokens with rotation and reuse detection; logout; password change ends sessions."""

import uuid
from datetime import timedelta

import jwt as pyjwt
import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import AuthSession

from helpers import PASSWORD, TEST_SECRET, Accounts, bearer

INVALID = {"detail": "Token inválido o expirado"}


def refresh(client, token):
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def age_session(app, refresh_token, seconds):
    """Pretend the session's last rotation happened `seconds` ago."""
    sid = uuid.UUID(pyjwt.decode(refresh_token, TEST_SECRET, algorithms=["HS256"])["sid"])
    with app.app_context():
        session = db.session.get(AuthSession, sid)
        session.refreshed_at -= timedelta(seconds=seconds)
        db.session.commit()


def test_login_returns_a_refresh_token_and_expiry(client, accounts):
    user = accounts.register()
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    body = response.get_json()
    assert body["expires_in"] == 30 * 60
    claims = pyjwt.decode(body["refresh_token"], TEST_SECRET, algorithms=["HS256"])
    access = pyjwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["type"] == "refresh" and claims["sub"] == user["id"]
    assert claims["sid"] == access["sid"]
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600
    assert response.headers["Cache-Control"] == "no-store"


def test_refresh_rotates_the_pair(client, accounts):
    user = accounts.register()
    first = accounts.login(user["email"])
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["user"]["id"] == user["id"] and second["token_type"] == "bearer"
    assert client.get("/api/auth/me", headers=bearer(second["access_token"])).status_code == 200
    third = refresh(client, second["refresh_token"])
    assert third.status_code == 200


def test_a_retry_within_the_grace_window_gets_the_same_refresh_token(client, accounts):
    user = accounts.register()
    first = accounts.login(user["email"])
    answer = refresh(client, first["refresh_token"]).get_json()
    retry = refresh(client, first["refresh_token"])
    assert retry.status_code == 200
    assert retry.get_json()["refresh_token"] == answer["refresh_token"]
    assert refresh(client, answer["refresh_token"]).status_code == 200


def test_reuse_after_the_grace_window_ends_the_whole_session(app, client, accounts):
    user = accounts.register()
    first = accounts.login(user["email"])
    second = refresh(client, first["refresh_token"]).get_json()
    age_session(app, first["refresh_token"], 31)
    stolen = refresh(client, first["refresh_token"])
    assert stolen.status_code == 401 and stolen.get_json() == INVALID
    # The whole family is dead: the legitimate holder's newer tokens too.
    assert refresh(client, second["refresh_token"]).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(second["access_token"])).status_code == 401
    # Other sessions of the user are untouched.
    other = accounts.login(user["email"])
    assert refresh(client, other["refresh_token"]).status_code == 200


def test_a_token_older_than_the_previous_one_is_reuse_even_in_the_window(client, accounts):
    user = accounts.register()
    first = accounts.login(user["email"])
    second = refresh(client, first["refresh_token"]).get_json()
    third = refresh(client, second["refresh_token"]).get_json()
    assert refresh(client, first["refresh_token"]).status_code == 401
    assert refresh(client, third["refresh_token"]).status_code == 401


def test_grace_window_is_configurable(make_app):
    app = make_app(REFRESH_REUSE_GRACE_SECONDS="0")
    client = app.test_client()
    helper = Accounts(client)
    user = helper.register()
    first = helper.login(user["email"])
    assert refresh(client, first["refresh_token"]).status_code == 200
    assert refresh(client, first["refresh_token"]).status_code == 401


def test_expired_refresh_token(app, client, accounts):
    user = accounts.register()
    body = accounts.login(user["email"])
    claims = pyjwt.decode(body["refresh_token"], TEST_SECRET, algorithms=["HS256"])
    claims["exp"] = claims["iat"] - 1
    assert refresh(client, pyjwt.encode(claims, TEST_SECRET, algorithm="HS256")).status_code == 401


@pytest.mark.parametrize("token", ["", "x", "a.b.c", 42, None])
def test_garbage_refresh_tokens(client, token):
    response = refresh(client, token)
    assert response.status_code in (401, 422)
    assert isinstance(response.get_json()["detail"], str)


def test_forged_refresh_token_is_refused(client, accounts):
    user = accounts.register()
    body = accounts.login(user["email"])
    claims = pyjwt.decode(body["refresh_token"], TEST_SECRET, algorithms=["HS256"])
    other_key = "otra-clave-secreta-de-32-bytes-o-mas!"
    assert refresh(client, pyjwt.encode(claims, other_key, "HS256")).status_code == 401
    assert refresh(client, pyjwt.encode(claims, None, "none")).status_code == 401
    claims["jti"] = str(uuid.uuid4())
    assert refresh(client, pyjwt.encode(claims, TEST_SECRET, "HS256")).status_code == 401


def test_logout_ends_the_session_only(client, accounts):
    user = accounts.register()
    phone = accounts.login(user["email"])
    tablet = accounts.login(user["email"])
    response = client.post("/api/auth/logout", headers=bearer(phone["access_token"]))
    assert response.status_code == 200
    assert response.get_json() == {"message": "Sesión cerrada exitosamente"}
    assert client.get("/api/auth/me", headers=bearer(phone["access_token"])).status_code == 401
    assert refresh(client, phone["refresh_token"]).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(tablet["access_token"])).status_code == 200
    assert refresh(client, tablet["refresh_token"]).status_code == 200


def test_logout_needs_an_access_token(client, accounts):
    user = accounts.register()
    body = accounts.login(user["email"])
    assert client.post("/api/auth/logout").status_code == 401
    assert client.post("/api/auth/logout", headers=bearer(body["refresh_token"])).status_code == 401


def test_logout_all_ends_every_session(client, accounts):
    user = accounts.register()
    devices = [accounts.login(user["email"]) for _ in range(3)]
    response = client.post("/api/auth/logout-all", headers=bearer(devices[0]["access_token"]))
    assert response.status_code == 200
    for device in devices:
        assert client.get("/api/auth/me", headers=bearer(device["access_token"])).status_code == 401
        assert refresh(client, device["refresh_token"]).status_code == 401
    assert accounts.login(user["email"])["access_token"]


def test_password_change_ends_other_sessions_and_hands_a_new_pair(client, accounts):
    user = accounts.register()
    phone = accounts.login(user["email"])
    tablet = accounts.login(user["email"])
    response = client.post(
        "/api/auth/me/change-password",
        json={"current_password": PASSWORD, "new_password": "Una frase nueva y larga 3"},
        headers=bearer(phone["access_token"]),
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["message"] == "Contraseña actualizada exitosamente"
    assert response.headers["Cache-Control"] == "no-store"
    for old in (phone, tablet):
        assert client.get("/api/auth/me", headers=bearer(old["access_token"])).status_code == 401
        assert refresh(client, old["refresh_token"]).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 200
    assert refresh(client, body["refresh_token"]).status_code == 200


def test_refresh_of_a_deactivated_user_is_refused(client, accounts, runner):
    user = accounts.register()
    body = accounts.login(user["email"])
    runner.invoke(args=["users", "deactivate", user["email"]])
    assert refresh(client, body["refresh_token"]).status_code == 401
    runner.invoke(args=["users", "activate", user["email"]])
    # Reactivation does not bring the old session back.
    assert refresh(client, body["refresh_token"]).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(body["access_token"])).status_code == 401


def test_role_change_ends_sessions(client, accounts, runner):
    user = accounts.register()
    body = accounts.login(user["email"])
    runner.invoke(args=["users", "set-role", user["email"], "instructor"])
    assert refresh(client, body["refresh_token"]).status_code == 401
    assert accounts.login(user["email"])["user"]["role"] == "instructor"


def test_cli_logout_and_prune(app, client, accounts, runner):
    user = accounts.register()
    first = accounts.login(user["email"])
    accounts.login(user["email"])
    result = runner.invoke(args=["users", "logout", user["email"]])
    assert result.exit_code == 0 and "ended 2 session(s)" in result.output
    assert client.get("/api/auth/me", headers=bearer(first["access_token"])).status_code == 401
    pruned = runner.invoke(args=["sessions", "prune"])
    assert pruned.exit_code == 0 and "removed 2 dead session(s)" in pruned.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 0
    # A pruned session's tokens stay refused.
    assert client.get("/api/auth/me", headers=bearer(first["access_token"])).status_code == 401
    assert refresh(client, first["refresh_token"]).status_code == 401


def test_login_prunes_the_users_dead_sessions(app, client, accounts):
    user = accounts.register()
    old = accounts.login(user["email"])
    client.post("/api/auth/logout", headers=bearer(old["access_token"]))
    accounts.login(user["email"])
    with app.app_context():
        rows = db.session.scalars(sa.select(AuthSession)).all()
    assert len(rows) == 1 and rows[0].revoked_at is None


def test_refresh_lifetime_is_configurable_and_capped_by_the_session_age(make_app):
    app = make_app(REFRESH_TOKEN_EXPIRE_DAYS="7", SESSION_MAX_DAYS="10")
    client = app.test_client()
    helper = Accounts(client)
    user = helper.register()
    body = helper.login(user["email"])
    claims = pyjwt.decode(body["refresh_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 7 * 24 * 3600
    sid = uuid.UUID(claims["sid"])
    with app.app_context():  # the login was 8 days ago: the next refresh may only reach day 10
        session = db.session.get(AuthSession, sid)
        session.created_at -= timedelta(days=8)
        db.session.commit()
        created = session.created_at
    renewed = refresh(client, body["refresh_token"]).get_json()
    new_claims = pyjwt.decode(renewed["refresh_token"], TEST_SECRET, algorithms=["HS256"])
    assert abs(new_claims["exp"] - (created + timedelta(days=10)).timestamp()) <= 1
