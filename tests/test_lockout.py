"""Per-account lockout after repeated failures, and per-address flood limits."""

from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import LoginFailure

from helpers import PASSWORD, TEST_REDIS_URL, Accounts, redis_answers


def attempt(client, email, password="clave equivocada 1", address="10.0.0.1"):
    return client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email, times):
    for _ in range(times):
        assert attempt(client, email).status_code == 401


def test_fifth_failure_starts_a_wait_even_for_the_right_password(client, accounts):
    user = accounts.register()
    fail(client, user["email"], 5)
    response = attempt(client, user["email"], PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 30
    assert "Demasiados intentos fallidos" in response.get_json()["detail"]


def test_four_failures_do_not_lock(client, accounts):
    user = accounts.register()
    fail(client, user["email"], 4)
    assert attempt(client, user["email"], PASSWORD).status_code == 200


def test_success_clears_the_count(client, accounts):
    user = accounts.register()
    fail(client, user["email"], 4)
    assert attempt(client, user["email"], PASSWORD).status_code == 200
    fail(client, user["email"], 4)
    assert attempt(client, user["email"], PASSWORD).status_code == 200


def test_unknown_emails_lock_exactly_like_real_ones(client):
    fail(client, "nadie@sena.edu.co", 5)
    response = attempt(client, "nadie@sena.edu.co")
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_other_accounts_and_addresses_are_not_slowed(client, accounts):
    victim = accounts.register()
    bystander = accounts.register()
    fail(client, victim["email"], 5)
    assert attempt(client, victim["email"]).status_code == 429
    assert attempt(client, bystander["email"], PASSWORD).status_code == 200
    assert attempt(client, bystander["email"], PASSWORD, address="10.9.9.9").status_code == 200


def end_the_wait(app):
    with app.app_context():
        db.session.execute(sa.update(LoginFailure).values(locked_until=None))
        db.session.commit()


def test_the_wait_doubles_with_each_further_failure(app, client, accounts):
    user = accounts.register()
    fail(client, user["email"], 5)
    waits = []
    for _ in range(3):
        response = attempt(client, user["email"])
        assert response.status_code == 429
        waits.append(int(response.headers["Retry-After"]))
        # Attempts during the wait do not count: the wait has not grown.
        assert int(attempt(client, user["email"]).headers["Retry-After"]) <= waits[-1]
        end_the_wait(app)
        fail(client, user["email"], 1)
    assert waits[0] <= 30 < waits[1] <= 60 < waits[2] <= 120


def test_the_wait_is_capped_at_fifteen_minutes(app):
    from inventory_auth.security.lockout import wait_seconds

    with app.app_context():
        assert [wait_seconds(n) for n in (4, 5, 6, 9, 10, 50)] == [0, 30, 60, 480, 900, 900]


def test_quiet_period_resets_the_count(app, client, accounts):
    user = accounts.register()
    fail(client, user["email"], 4)
    with app.app_context():
        row = db.session.scalars(sa.select(LoginFailure)).one()
        row.last_failure_at -= timedelta(hours=2)
        db.session.commit()
    fail(client, user["email"], 1)
    with app.app_context():
        assert db.session.scalars(sa.select(LoginFailure)).one().failures == 1
    assert attempt(client, user["email"], PASSWORD).status_code == 200


def test_operator_unlocks_with_the_cli(client, accounts, runner):
    user = accounts.register()
    fail(client, user["email"], 5)
    assert attempt(client, user["email"], PASSWORD).status_code == 429
    result = runner.invoke(args=["users", "unlock", user["email"].upper()])
    assert result.exit_code == 0 and "unlocked" in result.output
    assert attempt(client, user["email"], PASSWORD).status_code == 200
    again = runner.invoke(args=["users", "unlock", user["email"]])
    assert "no failed logins on record" in again.output


def test_counters_do_not_store_emails_in_clear(app, client):
    fail(client, "secreto@sena.edu.co", 1)
    with app.app_context():
        keys = db.session.scalars(sa.select(LoginFailure.account_key)).all()
    assert len(keys) == 1 and "secreto" not in keys[0] and len(keys[0]) == 64


def test_lockout_settings_come_from_the_environment(make_app):
    app = make_app(LOCKOUT_THRESHOLD="2", LOCKOUT_BASE_SECONDS="7")
    client = app.test_client()
    fail(client, "x@sena.edu.co", 2)
    response = attempt(client, "x@sena.edu.co")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 7


def test_per_address_flood_limit(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert attempt(client, "a@sena.edu.co", address="10.1.1.1").status_code in (401, 429)
    response = attempt(client, "otro@sena.edu.co", address="10.1.1.1")
    assert response.status_code == 429
    assert response.get_json()["detail"] == "Demasiadas solicitudes; intente de nuevo más tarde"
    assert int(response.headers["Retry-After"]) > 0
    assert attempt(client, "otro@sena.edu.co", address="10.2.2.2").status_code == 401


@pytest.mark.parametrize("path, variable", [("/api/auth/register", "REGISTER_RATE_LIMIT"),
                                            ("/api/auth/refresh", "REFRESH_RATE_LIMIT")])
def test_register_and_refresh_have_their_own_limits(make_app, path, variable):
    app = make_app(**{variable: "2 per minute"})
    client = app.test_client()
    statuses = [client.post(path, json={}).status_code for _ in range(3)]
    assert statuses[:2] == [422, 422] and statuses[2] == 429


def test_a_classroom_behind_one_address_is_never_throttled(make_app):
    """40 students log in within a minute from one NAT address, a few mistyping first."""
    app = make_app()
    client = app.test_client()
    helper = Accounts(client)
    students = [helper.register(email=f"estudiante{n}@sena.edu.co") for n in range(40)]
    statuses = []
    for n, student in enumerate(students):
        if n % 8 == 0:  # five students mistype twice
            statuses += [attempt(client, student["email"], address="186.0.0.7").status_code] * 1
            statuses += [attempt(client, student["email"], address="186.0.0.7").status_code]
        statuses.append(attempt(client, student["email"], PASSWORD, address="186.0.0.7").status_code)
    assert 429 not in statuses
    assert statuses.count(200) == 40


@pytest.mark.skipif(not redis_answers(), reason=f"no Redis answers at {TEST_REDIS_URL}")
def test_per_address_counts_are_shared_through_redis(make_app):
    url = TEST_REDIS_URL
    redis.Redis.from_url(url).flushdb()
    settings = {"REDIS_URL": url, "LOGIN_RATE_LIMIT": "4 per minute"}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    for client in (first, second, first, second):
        assert attempt(client, "a@sena.edu.co", address="10.3.3.3").status_code in (401, 429)
    assert attempt(second, "b@sena.edu.co", address="10.3.3.3").status_code == 429
    assert attempt(first, "b@sena.edu.co", address="10.4.4.4").status_code == 401


def test_unreachable_redis_keeps_login_limited_in_memory(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [attempt(client, f"u{n}@sena.edu.co", address="10.5.5.5").status_code for n in range(5)]
    assert 500 not in statuses and 503 not in statuses
    assert statuses[-1] == 429
