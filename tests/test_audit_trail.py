"""The audit trail of the auth flows: one row per security event, in the change's transaction."""

import json

import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import AuditLog

from helpers import PASSWORD, bearer


def rows(app, action=None):
    with app.app_context():
        query = sa.select(AuditLog).order_by(AuditLog.created_at, AuditLog.id)
        if action:
            query = query.where(AuditLog.action == action)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def test_login_success_and_failures_are_recorded_with_their_reason(app, client, accounts):
    user = accounts.register(email="ana@sena.edu.co")
    accounts.login("ana@sena.edu.co")
    client.post("/api/auth/login", json={"email": "ana@sena.edu.co", "password": "otra clave mala"},
                headers={"User-Agent": "inventario-app/2.1"})
    client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "otra clave mala"})

    [success] = rows(app, "login")
    assert str(success.user_id) == user["id"] and str(success.entity_id) == user["id"]
    assert success.ip_address == "127.0.0.1"
    wrong, unknown = rows(app, "login_failed")
    assert wrong.new_values == {"reason": "wrong_password"} and str(wrong.entity_id) == user["id"]
    assert wrong.user_id is None and wrong.user_agent == "inventario-app/2.1"
    assert unknown.new_values == {"reason": "unknown_email"} and unknown.entity_id is None


def test_lockout_is_recorded_once_it_starts(make_app):
    app = make_app(LOCKOUT_THRESHOLD="3")
    client = app.test_client()
    for _ in range(3):
        client.post("/api/auth/login", json={"email": "x@sena.edu.co", "password": "mala clave 123"})
    [locked] = rows(app, "account_locked")
    assert locked.new_values == {"seconds": 30}
    refused = client.post("/api/auth/login", json={"email": "x@sena.edu.co", "password": "mala"})
    assert refused.status_code == 429
    assert rows(app, "login_failed")[-1].new_values == {"reason": "locked"}


def test_inactive_account_login_is_recorded(app, client, create_user):
    user = create_user(is_active=False)
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 403
    [failed] = rows(app, "login_failed")
    assert failed.new_values == {"reason": "inactive"} and str(failed.entity_id) == user["id"]


def test_own_account_changes_are_recorded_with_before_and_after(app, client, accounts):
    user, token = accounts.token(phone=None)
    client.put("/api/auth/me", headers=bearer(token), json={"phone": "3001234567", "first_name": "Aprendiz"})
    [update] = rows(app, "profile_update")
    assert update.old_values == {"phone": None} and update.new_values == {"phone": "3001234567"}
    assert str(update.user_id) == user["id"] and update.session_id is not None

    new = "Otra frase de clave 99"
    body = client.post("/api/auth/me/change-password", headers=bearer(token),
                       json={"current_password": PASSWORD, "new_password": new}).get_json()
    assert len(rows(app, "password_change")) == 1
    client.post("/api/auth/logout", headers=bearer(body["access_token"]))
    assert len(rows(app, "logout")) == 1
    token = accounts.login(user["email"], new)["access_token"]
    client.post("/api/auth/logout-all", headers=bearer(token))
    assert len(rows(app, "logout_all")) == 1
    [register] = rows(app, "register")
    assert register.new_values["email"] == user["email"] and "password" not in register.new_values


def test_refresh_token_reuse_is_recorded(app, client, accounts):
    user = accounts.register()
    first = accounts.login(user["email"])["refresh_token"]
    client.post("/api/auth/refresh", json={"refresh_token": first})
    client.post("/api/auth/refresh", json={"refresh_token": first})  # within grace: same answer
    assert rows(app, "refresh_token_reuse") == []
    app.config["REFRESH_REUSE_GRACE"] = app.config["REFRESH_REUSE_GRACE"] * 0
    assert client.post("/api/auth/refresh", json={"refresh_token": first}).status_code == 401
    [reuse] = rows(app, "refresh_token_reuse")
    assert str(reuse.entity_id) == user["id"]


def test_reading_the_profile_writes_nothing(app, client, accounts):
    _user, token = accounts.token()
    before = len(rows(app))
    for _ in range(3):
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert len(rows(app)) == before


def test_no_row_ever_holds_a_password_hash_or_token(app, client, accounts):
    user, token = accounts.token()
    client.post("/api/auth/me/change-password", headers=bearer(token),
                json={"current_password": PASSWORD, "new_password": "Otra frase de clave 99"})
    client.post("/api/auth/login", json={"email": user["email"], "password": "Otra frase de clave 99"})
    with app.app_context():
        stored_hash = db.session.scalar(sa.text("SELECT password_hash FROM users"))
    for row in rows(app):
        text = json.dumps([row.old_values, row.new_values, row.user_agent, row.session_id])
        for secret in (PASSWORD, "Otra frase de clave 99", stored_hash, token):
            assert secret not in text
