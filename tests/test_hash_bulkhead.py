"""A login surge must not starve the cheap requests: each worker runs and queues only so many
requests that hash a password, refuses the next at once (503 with Retry-After), and keeps its
other threads for readiness, GET /me and refresh. The surge itself is measured by
`python -m bench.login_surge` (docs/benchmarks.md)."""

import threading

import pytest

from helpers import PASSWORD, Accounts, bearer, registration

BUSY = {"detail": "Servicio no disponible temporalmente; intente de nuevo en unos segundos"}


@pytest.fixture
def held_hashes(monkeypatch):
    """Every password verification blocks until `release` is set (as a long hash would)."""
    from inventory_auth.accounts import authentication

    release = threading.Event()
    entered = threading.Semaphore(0)

    def held(real):
        def slow(password, stored):
            entered.release()
            release.wait(10)
            return real(password, stored)

        return slow

    for name in ("verify", "verify_password"):  # login's check, and change-password's
        if hasattr(authentication, name):
            monkeypatch.setattr(authentication, name, held(getattr(authentication, name)))
    yield entered, release
    release.set()


def login_in_background(app, email, results, entered=None):
    """Start a login in its own thread; with `entered`, forget the hashes counted so far first."""
    while entered is not None and entered.acquire(timeout=0):
        pass

    def run():
        response = app.test_client().post("/api/auth/login", json={"email": email, "password": PASSWORD})
        results.append(response.status_code)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_login_beyond_the_bulkhead_is_refused_at_once_and_cheap_requests_answer(make_app, held_hashes):
    entered, release = held_hashes
    app = make_app(PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="0")
    client = app.test_client()
    helper = Accounts(client)
    first, second = helper.register(), helper.register()
    release.set()
    session = helper.login(second["email"])
    release.clear()

    results = []
    holder = login_in_background(app, first["email"], results, entered)
    assert entered.acquire(timeout=10), "the first login never started hashing"
    try:
        refused = client.post("/api/auth/login", json={"email": second["email"], "password": PASSWORD})
        assert refused.status_code == 503
        assert refused.get_json() == BUSY
        assert 1 <= int(refused.headers["Retry-After"]) <= 30
        # The cheap requests do not wait for the hash.
        assert client.get("/api/auth/me", headers=bearer(session["access_token"])).status_code == 200
        assert client.get("/api/health/ready").status_code == 200
        renewed = client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
        assert renewed.status_code == 200
    finally:
        release.set()
        holder.join(10)
    assert results == [200]
    again = client.post("/api/auth/login", json={"email": second["email"], "password": PASSWORD})
    assert again.status_code == 200


def test_a_waiting_login_gives_up_after_the_wait_bound(make_app, held_hashes):
    entered, release = held_hashes
    app = make_app(PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="1", PASSWORD_HASH_WAIT_SECONDS="0.3")
    helper = Accounts(app.test_client())
    users = [helper.register(), helper.register()]
    results = []
    holder = login_in_background(app, users[0]["email"], results, entered)
    assert entered.acquire(timeout=10)
    try:
        body = {"email": users[1]["email"], "password": PASSWORD}
        response = app.test_client().post("/api/auth/login", json=body)
        assert response.status_code == 503
        assert "Retry-After" in response.headers
    finally:
        release.set()
        holder.join(10)
    assert results == [200]


def test_register_and_change_password_are_bounded_too(make_app, held_hashes):
    entered, release = held_hashes
    app = make_app(PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="0")
    client = app.test_client()
    helper = Accounts(client)
    release.set()
    user, token = helper.token()
    release.clear()
    results = []
    holder = login_in_background(app, user["email"], results, entered)
    assert entered.acquire(timeout=10)
    try:
        registered = client.post("/api/auth/register", json=registration(email="nueva.persona@sena.edu.co"))
        assert registered.status_code == 503
        changed = client.post("/api/auth/me/change-password", headers=bearer(token),
                              json={"current_password": PASSWORD, "new_password": "Otra clave muy propia 93"})
        assert changed.status_code == 503
        reset = client.post("/api/auth/password-reset/confirm",
                            json={"token": "x" * 43, "new_password": "Otra clave muy propia 93"})
        assert reset.status_code == 503
    finally:
        release.set()
        holder.join(10)


def test_refused_logins_do_not_count_toward_the_lockout(make_app, held_hashes):
    entered, release = held_hashes
    app = make_app(PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="0", LOCKOUT_THRESHOLD="2")
    client = app.test_client()
    helper = Accounts(client)
    release.set()
    holder_user, victim = helper.register(), helper.register()
    release.clear()
    results = []
    holder = login_in_background(app, holder_user["email"], results, entered)
    assert entered.acquire(timeout=10)
    try:
        for _ in range(4):
            response = client.post("/api/auth/login", json={"email": victim["email"], "password": "mala"})
            assert response.status_code == 503
    finally:
        release.set()
        holder.join(10)
    right = client.post("/api/auth/login", json={"email": victim["email"], "password": PASSWORD})
    assert right.status_code == 200


def test_concurrency_zero_turns_the_bound_off(make_app, held_hashes):
    entered, release = held_hashes
    app = make_app(PASSWORD_HASH_CONCURRENCY="0", PASSWORD_HASH_QUEUE="0")
    helper = Accounts(app.test_client())
    release.set()
    users = [helper.register() for _ in range(3)]
    release.clear()
    results = []
    threads = [login_in_background(app, user["email"], results) for user in users]
    for _ in users:
        assert entered.acquire(timeout=10), "a login was held back with the bound off"
    release.set()
    for thread in threads:
        thread.join(10)
    assert results == [200, 200, 200]


@pytest.mark.parametrize("name, value", [("PASSWORD_HASH_CONCURRENCY", "-1"), ("PASSWORD_HASH_QUEUE", "-2"),
                                         ("PASSWORD_HASH_CONCURRENCY", "dos")])
def test_bad_bulkhead_settings_stop_with_one_line(make_app, name, value):
    from inventory_auth.config import ConfigurationError

    with pytest.raises(ConfigurationError, match=name):
        make_app(**{name: value})


@pytest.mark.parametrize("threads, concurrency, expected", [
    ("16", "2", (2, 8)), ("16", "8", (8, 2)), ("8", "2", (2, 0)), ("16", "16", (16, 0)),
])
def test_default_queue_leaves_threads_free(make_app, threads, concurrency, expected):
    app = make_app(GUNICORN_THREADS=threads, PASSWORD_HASH_CONCURRENCY=concurrency)
    assert (app.config["PASSWORD_HASH_CONCURRENCY"], app.config["PASSWORD_HASH_QUEUE"]) == expected


def test_default_concurrency_never_takes_every_thread(make_app):
    app = make_app(GUNICORN_THREADS="4")
    assert app.config["PASSWORD_HASH_CONCURRENCY"] == 1
    assert app.config["PASSWORD_HASH_QUEUE"] == 0
