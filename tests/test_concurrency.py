"""Concurrent requests on PostgreSQL: one account per email, no 5xx, one rotation per token."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import User

from helpers import Accounts, registration, using_postgres

pytestmark = pytest.mark.skipif(not using_postgres(), reason="concurrent writers need PostgreSQL")


@pytest.mark.parametrize("bulkhead", [
    {"PASSWORD_HASH_CONCURRENCY": "0"},  # off: all twenty race to the insert at once
    {},  # as shipped
    {"PASSWORD_HASH_CONCURRENCY": "1", "GUNICORN_THREADS": "64"},  # one slot: nineteen queue for it
])
def test_twenty_concurrent_registrations_of_one_email_make_one_account(make_app, bulkhead):
    """One 201 and nineteen 400s, never a 503: the queue takes twenty (the contract)."""
    app = make_app(**bulkhead)

    def register(n):
        body = registration(email="Carrera@sena.edu.co" if n % 2 else "carrera@SENA.edu.co")
        return app.test_client().post("/api/auth/register", json=body).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(register, range(20)))
    assert statuses.count(201) == 1
    assert statuses.count(400) == 19
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    assert count == 1


def test_concurrent_refreshes_of_one_token_rotate_once(app):
    helper = Accounts(app.test_client())
    user = helper.register()
    token = helper.login(user["email"])["refresh_token"]

    def refresh(_):
        response = app.test_client().post("/api/auth/refresh", json={"refresh_token": token})
        return response.status_code, response.get_json().get("refresh_token")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(refresh, range(8)))
    assert {status for status, _ in results} == {200}
    # Every concurrent caller got the same successor: one rotation, the rest treated as retries.
    assert len({new for _, new in results}) == 1
