"""Two admin_generals remove each other at the same moment: exactly one of them succeeds.

Both requests pass the token check, then meet at a barrier placed just before the guard of the last
active admin_general, so that they enter it together. On PostgreSQL the guard's row lock makes the
second wait for the first and count what it left; SQLite serializes the two writes.
"""

import threading

import pytest
import sqlalchemy as sa

from inventory_auth.accounts import admin as admin_ops
from inventory_auth.extensions import db
from inventory_auth.models import User

from helpers import bearer


@pytest.fixture
def meet_before_guard(monkeypatch):
    """Hold each request just before the guard until the other one is there too."""
    barrier = threading.Barrier(2, timeout=10)
    real = admin_ops._lock_active_admins_general

    def meet_then_lock():
        barrier.wait()
        real()

    monkeypatch.setattr(admin_ops, "_lock_active_admins_general", meet_then_lock)


@pytest.mark.parametrize("second", ["delete", "demote"])
def test_two_admins_removing_each_other_at_once_leave_one(
    app, create_user, accounts, meet_before_guard, second
):
    one = create_user(role="admin_general", email="uno@sena.edu.co")
    two = create_user(role="admin_general", email="dos@sena.edu.co")
    tokens = {user["id"]: accounts.login(user["email"])["access_token"] for user in (one, two)}
    answers = []

    def remove(actor, target, how):
        client = app.test_client()  # one client per thread, as two browsers
        headers = bearer(tokens[actor["id"]])
        if how == "delete":
            response = client.delete(f"/api/users/{target['id']}", headers=headers)
        else:
            response = client.put(f"/api/users/{target['id']}", headers=headers, json={"role": "admin"})
        answers.append((response.status_code, response.get_json()))

    threads = [
        threading.Thread(target=remove, args=(one, two, "delete")),
        threading.Thread(target=remove, args=(two, one, second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(status for status, _ in answers) == [200, 409], answers
    refused = next(body for status, body in answers if status == 409)
    assert "último administrador general" in refused["detail"]
    with app.app_context():
        left = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == "admin_general", User.is_active.is_(True))
        )
    assert left == 1
