"""The audit trail of the auth flows: one row per security event, in the change's transaction."""

import json
import re
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from inventory_auth import audit
from inventory_auth.audit import actions
from inventory_auth.extensions import db
from inventory_auth.models import AuthSession, LoginFailure, User

from helpers import PASSWORD, audit_rows, bearer, change_settings


def broken(monkeypatch):
    """Make every audit row written from now on invalid (no entity_type: NOT NULL), so that its
    INSERT fails at the commit, as a full disk, a revoked permission or a bad trigger would."""
    real = audit.record

    def record(*args, **kwargs):
        row = real(*args, **kwargs)
        row.entity_type = None
        return row

    monkeypatch.setattr(audit, "record", record)


@contextmanager
def statements(app):
    """The SQL statements sent while inside, plus COMMIT where a transaction was committed."""
    seen = []
    with app.app_context():
        engine = db.engine

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    def on_commit(conn):
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def test_login_success_and_failures_are_recorded_with_their_reason(app, client, accounts):
    user = accounts.register(email="ana@sena.edu.co")
    accounts.login("ana@sena.edu.co")
    client.post("/api/auth/login", json={"email": "ana@sena.edu.co", "password": "otra clave mala"},
                headers={"User-Agent": "inventario-app/2.1"})
    client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "otra clave mala"})

    [success] = audit_rows(app, "login")
    assert str(success.user_id) == user["id"] and str(success.entity_id) == user["id"]
    assert success.ip_address == "127.0.0.1"
    wrong, unknown = audit_rows(app, "login_failed")
    assert wrong.new_values == {"reason": "wrong_password"} and str(wrong.entity_id) == user["id"]
    assert wrong.user_id is None and wrong.user_agent == "inventario-app/2.1"
    assert unknown.new_values == {"reason": "unknown_email"} and unknown.entity_id is None


def test_lockout_is_recorded_once_it_starts(make_app):
    app = make_app(LOCKOUT_THRESHOLD="3")
    client = app.test_client()
    for _ in range(3):
        client.post("/api/auth/login", json={"email": "x@sena.edu.co", "password": "mala clave 123"})
    [locked] = audit_rows(app, "account_locked")
    assert locked.new_values == {"seconds": 30}
    refused = client.post("/api/auth/login", json={"email": "x@sena.edu.co", "password": "mala"})
    assert refused.status_code == 429
    assert audit_rows(app, "login_failed")[-1].new_values == {"reason": "locked"}


def test_inactive_account_login_is_recorded(app, client, create_user):
    user = create_user(is_active=False)
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 403
    [failed] = audit_rows(app, "login_failed")
    assert failed.new_values == {"reason": "inactive"} and str(failed.entity_id) == user["id"]


def test_own_account_changes_are_recorded_with_before_and_after(app, client, accounts):
    user, token = accounts.token(phone=None)
    client.put("/api/auth/me", headers=bearer(token), json={"phone": "3001234567", "first_name": "Aprendiz"})
    [update] = audit_rows(app, "profile_update")
    assert update.old_values == {"phone": None} and update.new_values == {"phone": "3001234567"}
    assert str(update.user_id) == user["id"] and update.session_id is not None

    new = "Otra frase de clave 99"
    body = client.post("/api/auth/me/change-password", headers=bearer(token),
                       json={"current_password": PASSWORD, "new_password": new}).get_json()
    assert len(audit_rows(app, "password_change")) == 1
    client.post("/api/auth/logout", headers=bearer(body["access_token"]))
    assert len(audit_rows(app, "logout")) == 1
    token = accounts.login(user["email"], new)["access_token"]
    client.post("/api/auth/logout-all", headers=bearer(token))
    assert len(audit_rows(app, "logout_all")) == 1
    [register] = audit_rows(app, "register")
    assert register.new_values["email"] == user["email"] and "password" not in register.new_values


def test_refresh_token_reuse_is_recorded(app, client, accounts):
    user = accounts.register()
    first = accounts.login(user["email"])["refresh_token"]
    client.post("/api/auth/refresh", json={"refresh_token": first})
    client.post("/api/auth/refresh", json={"refresh_token": first})  # within grace: same answer
    assert audit_rows(app, "refresh_token_reuse") == []
    change_settings(app, REFRESH_REUSE_GRACE=timedelta(0))
    assert client.post("/api/auth/refresh", json={"refresh_token": first}).status_code == 401
    [reuse] = audit_rows(app, "refresh_token_reuse")
    assert str(reuse.entity_id) == user["id"]


def test_reading_the_profile_writes_nothing(app, client, accounts):
    _user, token = accounts.token()
    before = len(audit_rows(app))
    for _ in range(3):
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert len(audit_rows(app)) == before


def test_no_row_ever_holds_a_password_hash_or_token(app, client, accounts):
    user, token = accounts.token()
    client.post("/api/auth/me/change-password", headers=bearer(token),
                json={"current_password": PASSWORD, "new_password": "Otra frase de clave 99"})
    pair = client.post("/api/auth/login", json={"email": user["email"], "password": "Otra frase de clave 99"})
    client.post("/api/auth/login", json={"email": user["email"], "password": "Clave equivocada 77"})
    refresh = pair.get_json()["refresh_token"]
    client.post("/api/auth/refresh", json={"refresh_token": refresh})
    with app.app_context():
        stored_hash = db.session.scalar(sa.text("SELECT password_hash FROM users"))
    found = audit_rows(app)
    assert {"password_change", "login", "login_failed"} <= {row.action for row in found}
    for row in found:
        text = json.dumps([row.action, row.entity_type, row.old_values, row.new_values, row.user_agent,
                           row.session_id])
        for secret in (PASSWORD, "Otra frase de clave 99", "Clave equivocada 77", stored_hash, token,
                       pair.get_json()["access_token"], refresh):
            assert secret not in text


def test_an_admin_registration_is_recorded_as_the_admins_act(app, client, accounts, create_user):
    admin = create_user(role="admin_general")
    token = accounts.login(admin["email"])["access_token"]
    response = client.post("/api/auth/register", headers=bearer(token), json={
        "email": "instructora@sena.edu.co", "password": PASSWORD, "first_name": "Inés",
        "last_name": "Rojas", "role": "instructor", "phone": None, "program": None})
    assert response.status_code == 201
    [register] = audit_rows(app, "register")
    assert str(register.user_id) == admin["id"] and str(register.entity_id) == response.get_json()["id"]
    assert register.new_values["role"] == "instructor" and register.session_id is not None


# A failed audit write fails the change it records.

def test_a_profile_change_without_its_record_does_not_happen(app, client, accounts, monkeypatch):
    _user, token = accounts.token(phone=None)
    before = len(audit_rows(app))
    with monkeypatch.context() as patched:
        broken(patched)
        response = client.put("/api/auth/me", headers=bearer(token), json={"phone": "3001234567"})
    assert response.status_code == 500
    assert response.get_json() == {"detail": "Error interno del servidor"}
    assert client.get("/api/auth/me", headers=bearer(token)).get_json()["phone"] is None
    assert len(audit_rows(app)) == before


def test_a_login_without_its_record_does_not_happen(app, client, create_user, monkeypatch):
    user = create_user()
    broken(monkeypatch)
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 500 and set(response.get_json()) == {"detail"}
    # A failed login, whose lockout count is committed with its record, fails the same way.
    failed = client.post("/api/auth/login", json={"email": user["email"], "password": "mala clave 1"})
    assert failed.status_code == 500 and set(failed.get_json()) == {"detail"}
    with app.app_context():
        assert db.session.get(User, uuid.UUID(user["id"])).last_login is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 0
        # No failure counted, and the attempt's lease given back (the next login is not refused).
        counters = db.session.execute(sa.select(LoginFailure.failures, LoginFailure.attempt_until)).all()
        assert all(failures == 0 and lease is None for failures, lease in counters)
    assert audit_rows(app) == []


def test_the_record_and_the_change_are_one_transaction(app, client, accounts):
    _user, token = accounts.token(phone=None)
    with statements(app) as seen:
        assert client.put("/api/auth/me", headers=bearer(token), json={"phone": "300"}).status_code == 200
    def target(statement):
        words = statement.split()
        return words[0] if words[0] == "COMMIT" else f"{words[0]} {words[1 if words[0] == 'UPDATE' else 2]}"

    writes = [target(s) for s in seen if s.split()[0] in ("INSERT", "UPDATE", "DELETE", "COMMIT")]
    # Both writes, then the one commit: no commit between the change and its record.
    assert sorted(writes[:2]) == ["INSERT audit_logs", "UPDATE users"] and writes[2:] == ["COMMIT"]


def test_reading_the_profile_sends_no_write_at_all(app, client, accounts):
    _user, token = accounts.token()
    with statements(app) as seen:
        for _ in range(3):
            assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert seen and all(s.split()[0] == "SELECT" for s in seen), seen


def test_every_action_has_one_documented_level():
    names = {value for name, value in vars(actions).items() if name.isupper() and isinstance(value, str)
             and name not in ("SUCCESS", "INFO", "WARNING", "ERROR")}
    assert names == set(actions.LEVEL)
    assert set(actions.LEVEL.values()) <= set(actions.LEVELS)
    guide = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    documented = dict(re.findall(r"^\| `([a-z_]+)` \| (success|info|warning|error) \|", guide, re.M))
    assert documented == actions.LEVEL
    assert actions.level("create") == actions.INFO  # another writer's action
