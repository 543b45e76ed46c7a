"""The lockout under concurrent guesses: one password check per account at a time.

A burst of concurrent logins for one account used to pass the lockout's check together, before
any of them had recorded its failure, so it checked as many passwords as there were threads. The
bursts here run on PostgreSQL, through the Flask test client on real threads; the password check
is slowed to a real hash's ~150 ms so that the requests overlap as they do in production.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import LoginFailure
from inventory_auth.models.types import utcnow
from inventory_auth.security import lockout

from helpers import PASSWORD, Accounts, bearer, using_postgres

THRESHOLD = 5  # LOCKOUT_THRESHOLD's default
WRONG = "clave equivocada 1"
postgres_only = pytest.mark.skipif(not using_postgres(), reason="concurrent writers need PostgreSQL")


@pytest.fixture
def app(make_app):
    """The password-hashing bulkhead (security/hash_bulkhead.py) off: it would refuse part of a
    40-thread burst with 503 before any of it reached the lockout, which is what is tested here."""
    return make_app(PASSWORD_HASH_CONCURRENCY="0")


@pytest.fixture
def checks(monkeypatch):
    """Every password the login checks, in order; each check takes as long as a real hash."""
    from inventory_auth.accounts import authentication

    seen, guard = [], threading.Lock()

    def slowed(real):
        def slow_verify(password, password_hash):
            with guard:
                seen.append(password)
            time.sleep(0.15)
            return real(password, password_hash)

        return slow_verify

    for name in ("verify", "verify_password"):  # login's check, and change-password's
        monkeypatch.setattr(authentication, name, slowed(getattr(authentication, name)))
    return seen


def burst(app, email, passwords):
    """POST every password for `email` at once, one thread each; the answers in order."""
    start = threading.Barrier(len(passwords))

    def login(password):
        client = app.test_client()
        start.wait()
        response = client.post("/api/auth/login", json={"email": email, "password": password})
        return response.status_code, response.headers.get("Retry-After"), response.get_json()

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        return list(pool.map(login, passwords))


@postgres_only
def test_a_burst_of_forty_guesses_checks_at_most_the_threshold(app, checks):
    user = Accounts(app.test_client()).register()
    passwords = [f"{WRONG}{n}" for n in range(40)] + [PASSWORD]
    answers = burst(app, user["email"], passwords)

    assert len(checks) <= THRESHOLD, f"{len(checks)} passwords checked in one burst"
    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {200, 401, 429}
    # The right password is accepted only if it was checked before the wait began.
    if PASSWORD in checks:
        assert checks.index(PASSWORD) < THRESHOLD
    else:
        assert statuses[-1] == 429


@postgres_only
def test_bursts_keep_the_documented_ramp(app, checks):
    """Burst after burst, the account still fails one password at a time: the 5th failure starts
    a 30 s wait, and nothing is checked inside it, the right password included."""
    user = Accounts(app.test_client()).register()
    for _ in range(THRESHOLD):
        burst(app, user["email"], [f"{WRONG}{n}" for n in range(8)])
        if len(checks) >= THRESHOLD:
            break
    assert len(checks) == THRESHOLD
    answers = burst(app, user["email"], [f"{WRONG}{n}" for n in range(20)] + [PASSWORD])
    assert len(checks) == THRESHOLD
    assert {status for status, _, _ in answers} == {429}
    assert all(0 < int(retry) <= 30 for _, retry, _ in answers)
    assert all("Demasiados intentos fallidos" in body["detail"] for _, _, body in answers)
    with app.app_context():
        assert db.session.scalar(sa.select(LoginFailure.failures)) == THRESHOLD


@postgres_only
def test_a_double_tap_costs_the_user_nothing(app, checks):
    user = Accounts(app.test_client()).register()
    answers = burst(app, user["email"], [PASSWORD, PASSWORD])
    assert sorted(status for status, _, _ in answers) == [200, 429]
    refused = next(answer for answer in answers if answer[0] == 429)
    assert refused[1] == "1"
    assert refused[2]["detail"] == (
        "Ya se está verificando una contraseña de esta cuenta. Intente de nuevo en un momento."
    )
    with app.app_context():  # not counted as a failure, and the lease is gone with the success
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0
    assert app.test_client().post(
        "/api/auth/login", json={"email": user["email"], "password": PASSWORD}
    ).status_code == 200


@postgres_only
def test_a_classroom_logging_in_at_once_is_not_refused(app, checks):
    helper = Accounts(app.test_client())
    students = [helper.register(email=f"clase{n}@sena.edu.co")["email"] for n in range(30)]
    start = threading.Barrier(len(students))

    def login(email):
        client = app.test_client()
        start.wait()
        return client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code

    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        assert list(pool.map(login, students)) == [200] * len(students)


def set_lease(app, email, until):
    with app.app_context():
        db.session.execute(
            sa.insert(LoginFailure).values(
                account_key=lockout.account_key(email), failures=0, last_failure_at=utcnow(),
                attempt_until=until,
            )
        )
        db.session.commit()


def test_a_running_check_refuses_another_without_counting_it(app, client, accounts, checks):
    user = accounts.register()
    set_lease(app, user["email"], utcnow() + timedelta(seconds=lockout.ATTEMPT_LEASE_SECONDS))
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert checks == []
    with app.app_context():
        assert db.session.scalar(sa.select(LoginFailure.failures)) == 0


def test_a_lease_left_by_a_dead_worker_runs_out(app, client, accounts, checks):
    user = accounts.register()
    set_lease(app, user["email"], utcnow() - timedelta(seconds=1))
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 200 and checks == [PASSWORD]


def test_sequential_failures_still_lock_and_release_the_lease(app, client, accounts):
    """On SQLite too: each failure releases the lease with its commit, the 5th starts the wait."""
    user = accounts.register()
    for _ in range(THRESHOLD):
        response = client.post("/api/auth/login", json={"email": user["email"], "password": WRONG})
        assert response.status_code == 401
    with app.app_context():
        row = db.session.scalars(sa.select(LoginFailure)).one()
        assert row.attempt_until is None and row.failures == THRESHOLD
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 429 and "Demasiados intentos fallidos" in response.get_json()["detail"]


def test_an_attempt_that_errors_gives_the_lease_back(app, client, accounts, monkeypatch):
    from inventory_auth.accounts import authentication

    user = accounts.register()

    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(authentication, "verify", broken)
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 500
    monkeypatch.undo()
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 200


@postgres_only
def test_concurrent_change_password_guesses_check_one_at_a_time(app, checks):
    helper = Accounts(app.test_client())
    user, token = helper.token()
    checks.clear()  # the login above
    start = threading.Barrier(20)

    def guess(n):
        client = app.test_client()
        start.wait()
        return client.post(
            "/api/auth/me/change-password",
            json={"current_password": f"{WRONG}{n}", "new_password": "Nueva frase secreta 77"},
            headers=bearer(token),
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert len(checks) <= THRESHOLD
    assert set(statuses) <= {400, 429}
