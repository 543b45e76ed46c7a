"""The lockout's lease: taken once per password check, given back exactly once on every path.

Each test counts the kept writes that give a lease back (the failure's upsert, the success's
DELETE, an UPDATE of `attempt_until`, in the request's transaction or on one of its own: a write
rolled back with its transaction does not count) and reads the lease's row afterwards: whatever
ended the attempt, the account is free again at once, by one write, and only what the outcome
records was kept.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inventory_auth import sessions
from inventory_auth.exceptions import HashingBusy
from inventory_auth.extensions import db
from inventory_auth.models import LoginFailure, User
from inventory_auth.models.types import utcnow
from inventory_auth.security import lockout

from helpers import PASSWORD, audit_rows, bearer

WRONG = "clave equivocada 1"
NEW_PASSWORD = "Otra-clave-2026-ñandú"


def gives_back(statement: str) -> bool:
    text = " ".join(statement.split()).lower()
    if "login_failures" not in text:
        return False
    return (
        text.startswith("delete from login_failures")  # a success's clear
        or (text.startswith("update login_failures set attempt_until") and "locked_until" not in text)
        or (text.startswith("insert into login_failures") and "case" in text)  # a failure's count
    )


def reserves(statement: str) -> bool:
    text = " ".join(statement.split()).lower()
    return text.startswith("insert into login_failures") and "case" not in text


@contextmanager
def lease_writes(app):
    """The leases the block took and gave back, counting only writes that were kept (committed,
    or sent in PostgreSQL's autocommit mode): `{"reservations": n, "given_back": m}`."""
    with app.app_context():
        engine = db.engine
    pending, kept = {}, []

    def on_execute(conn, cursor, statement, *args):
        if getattr(conn.connection.dbapi_connection, "autocommit", False) is True:
            kept.append(statement)
        else:
            pending.setdefault(id(conn), []).append(statement)

    def on_commit(conn):
        kept.extend(pending.pop(id(conn), []))

    def on_rollback(conn):
        pending.pop(id(conn), None)

    listeners = [("before_cursor_execute", on_execute), ("commit", on_commit), ("rollback", on_rollback)]
    for name, listener in listeners:
        sa.event.listen(engine, name, listener)
    counted = {}
    try:
        yield counted
    finally:
        for name, listener in listeners:
            sa.event.remove(engine, name, listener)
    counted["reservations"] = sum(1 for statement in kept if reserves(statement))
    counted["given_back"] = sum(1 for statement in kept if gives_back(statement))


def lease_row(app, email):
    with app.app_context():
        row = db.session.execute(
            sa.select(LoginFailure.failures, LoginFailure.attempt_until)
            .where(LoginFailure.account_key == lockout.account_key(email))
        ).first()
        db.session.rollback()
    return row


def assert_free(app, email, failures):
    row = lease_row(app, email)
    if failures == 0:
        assert row is None or row.attempt_until is None
    else:
        assert row is not None and row.failures == failures and row.attempt_until is None


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password})


@pytest.mark.parametrize("password, status, failures", [(PASSWORD, 200, 0), (WRONG, 401, 1)])
def test_a_recorded_outcome_gives_the_lease_back_with_its_commit(app, client, accounts, password,
                                                                 status, failures):
    user = accounts.register()
    with lease_writes(app) as counted:
        assert login(client, user["email"], password).status_code == status
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], failures)


def test_an_unknown_email_gives_the_lease_back_once(app, client):
    with lease_writes(app) as counted:
        assert login(client, "nadie@sena.edu.co", WRONG).status_code == 401
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, "nadie@sena.edu.co", 1)


def test_an_inactive_account_gives_the_lease_back_once(app, client, accounts):
    user = accounts.register()
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == user["email"]).values(is_active=False))
        db.session.commit()
    with lease_writes(app) as counted:
        assert login(client, user["email"], PASSWORD).status_code == 403
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], 0)


def test_no_hashing_slot_gives_the_lease_back_once(app, client, accounts, monkeypatch):
    from inventory_auth.accounts import authentication

    @contextmanager
    def busy():
        raise HashingBusy(3)
        yield

    user = accounts.register()
    monkeypatch.setattr(authentication.hash_bulkhead, "slot", busy)
    with lease_writes(app) as counted:
        response = login(client, user["email"], PASSWORD)
    assert response.status_code == 503
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], 0)


def test_a_superseded_attempt_gives_the_lease_back_once_and_keeps_its_audit(app, client, accounts,
                                                                             monkeypatch):
    """A logout-all commits while the password is checked: no session starts from that check."""
    from inventory_auth.accounts import authentication

    user = accounts.register()
    real = authentication.verify

    def verify_while_the_sessions_end(password, password_hash):
        with db.engine.begin() as connection:
            connection.execute(sa.update(User).where(User.email == user["email"])
                               .values(session_generation=User.session_generation + 1))
        return real(password, password_hash)

    monkeypatch.setattr(authentication, "verify", verify_while_the_sessions_end)
    with lease_writes(app) as counted:
        response = login(client, user["email"], PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], 0)
    reasons = [row.new_values.get("reason") for row in audit_rows(app, "login_failed")]
    assert reasons == ["superseded"]
    monkeypatch.setattr(authentication, "verify", real)
    assert login(client, user["email"], PASSWORD).status_code == 200


def test_an_error_after_the_check_rolls_back_and_gives_the_lease_back_once(app, client, accounts,
                                                                           monkeypatch):
    user = accounts.register()

    def broken(user):
        raise RuntimeError("no session today")

    monkeypatch.setattr(sessions, "start", broken)
    with lease_writes(app) as counted:
        assert login(client, user["email"], PASSWORD).status_code == 500
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], 0)
    assert audit_rows(app, "login") == []  # the request's writes were rolled back
    with app.app_context():
        assert db.session.scalar(sa.select(User.last_login).where(User.email == user["email"])) is None


def test_a_failed_commit_gives_the_lease_back_once(app, client, accounts, monkeypatch):
    from inventory_auth.web import transaction

    user = accounts.register()

    def failing_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(transaction.db.session, "commit", failing_commit, raising=False)
    with lease_writes(app) as counted:
        assert login(client, user["email"], WRONG).status_code == 503
    monkeypatch.undo()
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], 0)  # the failure was not recorded: nothing committed


def test_an_attempt_refused_for_a_running_lease_leaves_that_lease_alone(app, client, accounts):
    user = accounts.register()
    held_until = utcnow() + timedelta(seconds=20)
    with app.app_context():
        db.session.add(LoginFailure(account_key=lockout.account_key(user["email"]), failures=0,
                                    last_failure_at=utcnow(), attempt_until=held_until))
        db.session.commit()
    with lease_writes(app) as counted:
        response = login(client, user["email"], PASSWORD)
    assert response.status_code == 429
    assert counted == {"reservations": 1, "given_back": 0}  # the upsert tried, and took nothing
    assert lease_row(app, user["email"]).attempt_until == held_until


@pytest.mark.parametrize("current, status, failures", [(PASSWORD, 200, 0), (WRONG, 400, 1)])
def test_change_password_gives_the_lease_back_once(app, client, accounts, current, status, failures):
    user, token = accounts.token()
    with lease_writes(app) as counted:
        response = client.post("/api/auth/me/change-password", headers=bearer(token),
                               json={"current_password": current, "new_password": NEW_PASSWORD})
    assert response.status_code == status, response.get_json()
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], failures)


def test_change_password_without_a_slot_gives_the_lease_back_once(app, client, accounts, monkeypatch):
    from inventory_auth.accounts import authentication

    @contextmanager
    def busy():
        raise HashingBusy(3)
        yield

    user, token = accounts.token()
    monkeypatch.setattr(authentication.hash_bulkhead, "slot", busy)
    with lease_writes(app) as counted:
        response = client.post("/api/auth/me/change-password", headers=bearer(token),
                               json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 503
    assert counted == {"reservations": 1, "given_back": 1}
    assert_free(app, user["email"], 0)
