"""`flask users unlock`: the same answers as every other `flask users` command, and a truthful
account of what it cleared."""

from datetime import timedelta

import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import AuditLog, LoginFailure

from helpers import PASSWORD, without_target

ADDRESS_LIMITS = "per-address login limits (LOGIN_RATE_LIMIT) are not cleared"


def fail(client, email, times):
    for _ in range(times):
        client.post("/api/auth/login", json={"email": email, "password": "no es la clave 000"})


def login(client, email):
    return client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code


def unlock(runner, *args):
    return runner.invoke(args=["users", "unlock", *args])


def test_unknown_email_is_an_error_like_every_other_command(runner, client):
    fail(client, "nadie@sena.edu.co", 1)
    result = unlock(runner, "nadie@sena.edu.co")
    assert result.exit_code == 1
    assert without_target(result.output).strip() == "Error: no user with email nadie@sena.edu.co"
    shown = runner.invoke(args=["users", "show", "nadie@sena.edu.co"])
    assert without_target(result.output).strip() == without_target(shown.output).strip()


def test_an_unknown_emails_counter_can_still_be_cleared(app, runner, client):
    fail(client, "nadie@sena.edu.co", 5)
    result = unlock(runner, "nadie@sena.edu.co", "--no-account")
    assert result.exit_code == 0, without_target(result.output)
    assert without_target(result.output).startswith("nadie@sena.edu.co unlocked: cleared 5 failed logins")
    with app.app_context():
        assert db.session.scalars(sa.select(LoginFailure)).all() == []


def test_below_the_threshold_it_says_nothing_was_locked(runner, client, accounts):
    user = accounts.register()
    fail(client, user["email"], 1)
    result = unlock(runner, user["email"])
    assert result.exit_code == 0, without_target(result.output)
    first, second = without_target(result.output).splitlines()
    assert first == (
        f"{user['email']}: cleared 1 failed login; no wait was running, so it was not locked "
        "(a wait starts with 5 consecutive failures)"
    )
    assert "unlocked" not in first
    assert second.startswith(ADDRESS_LIMITS)


def test_a_running_wait_is_lifted_and_said(app, runner, client, accounts):
    user = accounts.register()
    fail(client, user["email"], 6)  # the sixth comes during the wait: not counted
    assert login(client, user["email"]) == 429
    result = unlock(runner, user["email"].upper() + " ")
    assert result.exit_code == 0, without_target(result.output)
    said = without_target(result.output)
    assert said.startswith(f"{user['email']} unlocked: cleared 5 failed logins and a running wait (")
    assert ADDRESS_LIMITS in without_target(result.output)
    assert login(client, user["email"]) == 200
    with app.app_context():
        row = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "user_unlock")).one()
        assert str(row.entity_id) == user["id"]
        assert row.old_values["failures"] == 5 and row.old_values["wait_left_seconds"] > 0


def test_quiet_failures_are_said_to_be_quiet(app, runner, client, accounts):
    user = accounts.register()
    fail(client, user["email"], 2)
    with app.app_context():
        row = db.session.scalars(sa.select(LoginFailure)).one()
        row.last_failure_at -= timedelta(hours=2)
        db.session.commit()
    result = unlock(runner, user["email"])
    assert "cleared 2 failed logins; no wait was running" in without_target(result.output)
    assert "gone quiet" in without_target(result.output)


def test_nothing_on_record(runner, accounts):
    user = accounts.register()
    result = unlock(runner, user["email"])
    assert result.exit_code == 0
    first = without_target(result.output).splitlines()[0]
    assert first == f"{user['email']}: no failed logins on record, nothing to clear"
