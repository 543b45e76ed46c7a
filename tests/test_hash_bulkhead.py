"""Admission of password hashes (security/hash_bulkhead.py): each worker runs so many hashes at
once and queues the rest while the wait each would have — its place in the queue × the measured
hold ÷ the slots — stays within PASSWORD_HASH_WAIT_SECONDS; beyond it, 503 with Retry-After at
once. The cheap checks (lockout, email, policy, reset token) run before a request takes a slot.
A surge itself is measured by `python -m fault.classroom` (docs/reliability.md)."""

import threading

import pytest

from inventory_auth.exceptions import HashingBusy
from inventory_auth.security.hash_bulkhead import Bulkhead

from helpers import PASSWORD, Accounts, bearer, registration

BUSY = {"detail": "Servicio no disponible temporalmente; intente de nuevo en unos segundos"}


class FrozenClock:
    """A clock that never moves: a queued request can only leave its queue by getting a slot."""

    def __call__(self):
        return 100.0


def enter_in_thread(bulkhead, outcomes, address="", label="admitted"):
    def run():
        try:
            bulkhead.enter(address)
            outcomes.append(label)
        except HashingBusy as refused:
            outcomes.append(refused)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def until(predicate, what):
    """Wait (without asserting on time) for a state other threads reach."""
    ready = threading.Event()
    for _ in range(2000):
        if predicate():
            return
        ready.wait(0.005)
    raise AssertionError(f"never reached: {what}")


def test_the_queue_is_bounded_by_the_wait_it_would_cause_not_by_a_small_count():
    bulkhead = Bulkhead(running=2, queue=1000, wait_seconds=3.0, clock=FrozenClock())
    bulkhead.mean_hold = 1.0  # a slot is held 1 s: 2 slots serve 2 requests a second
    bulkhead.enter()
    bulkhead.enter()  # both slots busy
    outcomes = []
    # Queued requests would wait 1, 1, 2, 2, 3, 3 s: all within the 3 s bound.
    threads = [enter_in_thread(bulkhead, outcomes) for _ in range(6)]
    until(lambda: bulkhead.state() == (2, 6), "six requests queued")
    assert bulkhead.expected_wait() == 4.0
    # The seventh would wait 4 s: refused at once (the frozen clock would keep it queued forever).
    refused = []
    seventh = enter_in_thread(bulkhead, refused)
    seventh.join(10)
    assert not seventh.is_alive()
    assert len(refused) == 1 and isinstance(refused[0], HashingBusy)
    assert refused[0].retry_after == 1  # the queue drains below the bound within a second
    # Every queued request gets its slot as slots come free, and none is refused.
    for served in range(6):
        bulkhead.leave(1.0)
        until(lambda s=served: outcomes.count("admitted") == s + 1, "the next queued request admitted")
    for thread in threads:
        thread.join(10)
    assert outcomes == ["admitted"] * 6
    assert bulkhead.state() == (2, 0)


def test_a_faster_machine_queues_more():
    bulkhead = Bulkhead(running=2, queue=1000, wait_seconds=10.0, clock=FrozenClock())
    bulkhead.enter()
    bulkhead.enter()
    bulkhead.leave(0.1)  # measured holds pull the estimate toward them
    bulkhead.enter()
    assert 0.1 < bulkhead.mean_hold < 0.3
    for _ in range(30):
        bulkhead.leave(0.1)
        bulkhead.enter()
    assert bulkhead.mean_hold == pytest.approx(0.1, abs=0.001)
    outcomes = []
    threads = [enter_in_thread(bulkhead, outcomes) for _ in range(60)]
    until(lambda: bulkhead.state() == (2, 60), "sixty requests queued (3 s of work for 2 slots)")
    assert outcomes == []
    for served in range(60):
        bulkhead.leave(0.1)
        until(lambda s=served: outcomes.count("admitted") == s + 1, "the next queued request admitted")
    for thread in threads:
        thread.join(10)
    assert outcomes == ["admitted"] * 60


def test_the_queue_never_takes_the_threads_kept_for_cheap_requests():
    bulkhead = Bulkhead(running=1, queue=2, wait_seconds=300.0, clock=FrozenClock())
    bulkhead.enter()
    outcomes = []
    threads = [enter_in_thread(bulkhead, outcomes) for _ in range(2)]
    until(lambda: bulkhead.state() == (1, 2), "two requests queued")
    with pytest.raises(HashingBusy):
        bulkhead.enter()
    for _ in range(2):
        bulkhead.leave(0.1)
    for thread in threads:
        thread.join(10)
    assert outcomes == ["admitted", "admitted"]


def test_when_hashes_slow_down_the_requests_that_can_no_longer_make_it_are_refused_at_once():
    bulkhead = Bulkhead(running=1, queue=100, wait_seconds=5.0, clock=FrozenClock())
    bulkhead.mean_hold = 0.5
    bulkhead.enter()
    outcomes = []
    threads = []
    for n in range(4):  # would wait 0.5, 1, 1.5, 2 s
        threads.append(enter_in_thread(bulkhead, outcomes, "lab", f"lab {n}"))
        until(lambda n=n: bulkhead.state() == (1, n + 1), "the lab's requests queued")
    bulkhead.leave(10.0)  # a slow hash: the mean hold becomes 2.4 s
    until(lambda: len(outcomes) == 2, "the first served and the last refused")
    refused = [o for o in outcomes if isinstance(o, HashingBusy)]
    assert len(refused) == 1 and "lab 0" in outcomes  # 3 ahead × 2.4 s > 5 s: refused, not left waiting
    assert bulkhead.state() == (1, 2)  # the two that still make it, in 2.4 and 4.8 s
    for served in range(2):
        bulkhead.leave(2.4)
        until(lambda s=served: len(outcomes) == s + 3, "the next served")
    assert outcomes[2:] == ["lab 1", "lab 2"]
    for thread in threads:
        thread.join(10)


def test_a_slot_goes_to_each_address_in_turn():
    """Forty requests queued from one address delay a login from another by one turn."""
    bulkhead = Bulkhead(running=1, queue=1000, wait_seconds=100.0, clock=FrozenClock())
    bulkhead.enter("lab")
    order = []
    threads = []
    for n in range(5):
        threads.append(enter_in_thread(bulkhead, order, "lab", f"lab {n}"))
        until(lambda n=n: bulkhead.state() == (1, n + 1), "the lab's requests queued in order")
    threads.append(enter_in_thread(bulkhead, order, "home", "home"))
    until(lambda: bulkhead.state() == (1, 6), "the request from home queued")
    for served in range(6):
        bulkhead.leave(0.1)
        until(lambda s=served: len(order) == s + 1, "the next request served")
    assert order == ["lab 0", "home", "lab 1", "lab 2", "lab 3", "lab 4"]
    for thread in threads:
        thread.join(10)


def test_a_full_queue_makes_room_for_another_address_at_the_longest_lines_expense():
    bulkhead = Bulkhead(running=1, queue=3, wait_seconds=100.0, clock=FrozenClock())
    bulkhead.enter("flood")
    outcomes = []
    threads = []
    for n in range(3):
        threads.append(enter_in_thread(bulkhead, outcomes, "flood", f"flood {n}"))
        until(lambda n=n: bulkhead.state() == (1, n + 1), "the flood's requests queued")
    threads.append(enter_in_thread(bulkhead, outcomes, "home", "home"))
    until(lambda: len(outcomes) == 1, "the flood's last request pushed out")
    assert isinstance(outcomes[0], HashingBusy)  # answered 503 at once, not left waiting
    threads.append(enter_in_thread(bulkhead, outcomes, "school", "school"))
    until(lambda: len(outcomes) == 2, "the flood's next-to-last request pushed out")
    assert isinstance(outcomes[1], HashingBusy)
    assert bulkhead.state() == (1, 3)  # flood 0, home, school
    # Now every line is as short as a newcomer's would be: the newcomer is the one refused.
    with pytest.raises(HashingBusy):
        bulkhead.enter("flood")
    for served in range(3):
        bulkhead.leave(0.1)
        until(lambda s=served: len(outcomes) == s + 3, "the next request served")
    assert outcomes[2:] == ["flood 0", "home", "school"]
    for thread in threads:
        thread.join(10)


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


def test_a_login_beyond_the_bound_is_refused_at_once_and_cheap_requests_answer(make_app, held_hashes):
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
    # The refused login gave its account's lease back: it logs in at once.
    again = client.post("/api/auth/login", json={"email": second["email"], "password": PASSWORD})
    assert again.status_code == 200


def test_a_queued_login_gives_up_after_the_wait_bound(make_app, held_hashes):
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


def test_register_reset_and_change_password_take_a_slot_too(make_app, held_hashes, monkeypatch):
    from inventory_auth.accounts import password_reset

    entered, release = held_hashes
    app = make_app(PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="0")
    client = app.test_client()
    helper = Accounts(client)
    release.set()
    holder_user = helper.register()
    other, token = helper.token()
    with app.app_context():
        from inventory_auth.accounts.store import find_by_email
        from inventory_auth.extensions import db

        link = password_reset.issue_link(find_by_email(other["email"]))
        db.session.commit()
    reset_token = link.rsplit("token=", 1)[1]
    release.clear()
    results = []
    holder = login_in_background(app, holder_user["email"], results, entered)
    assert entered.acquire(timeout=10)
    try:
        registered = client.post("/api/auth/register", json=registration(email="nueva.persona@sena.edu.co"))
        assert registered.status_code == 503
        changed = client.post("/api/auth/me/change-password", headers=bearer(token),
                              json={"current_password": PASSWORD, "new_password": "Otra clave muy propia 93"})
        assert changed.status_code == 503
        reset = client.post("/api/auth/password-reset/confirm",
                            json={"token": reset_token, "new_password": "Otra clave muy propia 93"})
        assert reset.status_code == 503
    finally:
        release.set()
        holder.join(10)
    # Nothing was changed by the refusals: the reset link and the password still work.
    helper.login(other["email"])
    reset = client.post("/api/auth/password-reset/confirm",
                        json={"token": reset_token, "new_password": "Otra clave muy propia 93"})
    assert reset.status_code == 200


def test_cheap_checks_answer_before_a_slot_is_taken(make_app, held_hashes):
    """With every slot held and no queue, the answers that need no hash still come: a taken
    email, a weak password, a bad reset token, a locked account."""
    entered, release = held_hashes
    app = make_app(PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="0", LOCKOUT_THRESHOLD="1")
    client = app.test_client()
    helper = Accounts(client)
    release.set()
    holder_user, taken = helper.register(), helper.register()
    _, token = helper.token()
    locked = helper.register()
    failed = client.post("/api/auth/login", json={"email": locked["email"], "password": "mala"})
    assert failed.status_code == 401
    release.clear()
    results = []
    holder = login_in_background(app, holder_user["email"], results, entered)
    assert entered.acquire(timeout=10)
    try:
        assert client.post("/api/auth/register", json=registration(email=taken["email"])).status_code == 400
        weak = client.post("/api/auth/register",
                           json=registration(email="otra@sena.edu.co", password="password1"))
        assert weak.status_code == 422
        changed = client.post("/api/auth/me/change-password", headers=bearer(token),
                              json={"current_password": PASSWORD, "new_password": "password1"})
        assert changed.status_code == 422
        reset = client.post("/api/auth/password-reset/confirm",
                            json={"token": "x" * 43, "new_password": "Otra clave muy propia 93"})
        assert reset.status_code == 400
        waiting = client.post("/api/auth/login", json={"email": locked["email"], "password": PASSWORD})
        assert waiting.status_code == 429
    finally:
        release.set()
        holder.join(10)
    assert results == [200]


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
    ("64", "2", (2, 54)), ("16", "2", (2, 6)), ("16", "8", (8, 0)), ("8", "2", (2, 0)), ("16", "16", (16, 0)),
])
def test_default_queue_leaves_threads_free(make_app, threads, concurrency, expected):
    app = make_app(GUNICORN_THREADS=threads, PASSWORD_HASH_CONCURRENCY=concurrency)
    assert (app.config["PASSWORD_HASH_CONCURRENCY"], app.config["PASSWORD_HASH_QUEUE"]) == expected


def test_default_concurrency_never_takes_every_thread(make_app):
    app = make_app(GUNICORN_THREADS="4")
    assert app.config["PASSWORD_HASH_CONCURRENCY"] == 1
    assert app.config["PASSWORD_HASH_QUEUE"] == 0
