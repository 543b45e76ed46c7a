"""A login racing whatever ends every session of its user: the session must not survive.

A login checks the password (~150 ms of hashing) against the user's row as it read it. A reset
confirmed, a password set by an administrator (API or `flask users`), a role change, a
deactivation or a logout-all may commit meanwhile; before that ended every session but the
login's, which committed afterwards and answered /me and refreshes. Here the login runs on a real
thread and is held at a chosen point while the change runs through HTTP or the CLI, in both
orders: the change committing while the password is being checked, and the login holding its
claim on the account (its row locked) when the change starts.
"""

from __future__ import annotations

import threading
from urllib.parse import unquote

import pytest

from inventory_auth import sessions as session_package
from inventory_auth.accounts import authentication

from helpers import PASSWORD, Accounts, bearer

NEW_PASSWORD = "Nueva frase para el almacén 31"
ATTACKER_PASSWORD = "Frase del intruso para el almacén 9"
WAIT = 10  # seconds: a generous bound, never reached when things work


@pytest.fixture
def app(make_app):
    return make_app(PASSWORD_HASH_CONCURRENCY="0", LOGIN_RATE_LIMIT="1000 per minute")


class Hold:
    """Stops one thread at a point until released: `reached` is set when it gets there."""

    def __init__(self):
        self.reached, self.go = threading.Event(), threading.Event()
        self.armed = True

    def stop_here(self):
        if self.armed and threading.current_thread() is not threading.main_thread():
            self.armed = False
            self.reached.set()
            assert self.go.wait(WAIT)


@pytest.fixture
def after_check(monkeypatch):
    """Holds the next login (or password change) on a thread right after its password check."""
    hold = Hold()
    for name in ("verify", "verify_password"):
        real = getattr(authentication, name)

        def checked(password, password_hash, real=real):
            result = real(password, password_hash)
            hold.stop_here()
            return result

        monkeypatch.setattr(authentication, name, checked)
    return hold


@pytest.fixture
def before_session(monkeypatch):
    """Holds the next login on a thread after it claimed the account, before its session starts."""
    hold = Hold()
    real = session_package.start

    def start(user):
        hold.stop_here()
        return real(user)

    monkeypatch.setattr(session_package, "start", start)
    return hold


class Scene:
    """An account, an administrator, and the changes that end every session of the account."""

    def __init__(self, app, runner, admin_email):
        self.app, self.runner = app, runner
        self.client = app.test_client()
        helper = Accounts(self.client)
        self.user = helper.register(email="victima@sena.edu.co")
        self.admin = helper.login(admin_email)["access_token"]
        self.own = helper.login(self.user["email"])  # the owner's session, for logout-all
        link = runner.invoke(args=["users", "reset-link", self.user["email"]]).stdout.strip()
        self.reset_token = unquote(link.splitlines()[-1].rsplit("token=", 1)[1])

    def change(self, how: str) -> int:
        users = f"/api/users/{self.user['id']}"
        admin = bearer(self.admin)
        if how == "reset":
            body = {"token": self.reset_token, "new_password": NEW_PASSWORD}
            return self.client.post("/api/auth/password-reset/confirm", json=body).status_code
        if how == "admin_set_password":
            body = {"new_password": NEW_PASSWORD}
            return self.client.post(f"{users}/password", json=body, headers=admin).status_code
        if how == "cli_set_password":
            result = self.runner.invoke(
                args=["users", "set-password", self.user["email"], "--password-stdin"],
                input=NEW_PASSWORD + "\n",
            )
            return 200 if result.exit_code == 0 else result.exit_code
        if how == "role_change":
            return self.client.put(users, json={"role": "instructor"}, headers=admin).status_code
        if how == "deactivate":
            return self.client.delete(users, headers=admin).status_code
        if how == "logout_all":
            own = bearer(self.own["access_token"])
            return self.client.post("/api/auth/logout-all", headers=own).status_code
        raise AssertionError(how)

    def login(self, answers: list):
        response = self.app.test_client().post(
            "/api/auth/login", json={"email": self.user["email"], "password": PASSWORD}
        )
        answers.append((response.status_code, response.get_json()))

    def session_lives(self, body: dict) -> bool:
        me = self.client.get("/api/auth/me", headers=bearer(body["access_token"]))
        refreshed = self.client.post("/api/auth/refresh", json={"refresh_token": body["refresh_token"]})
        return me.status_code == 200 or refreshed.status_code == 200


@pytest.fixture
def scene(app, runner, create_user):
    admin = create_user(role="admin_general", email="rectora@sena.edu.co")
    return Scene(app, runner, admin["email"])


ENDERS = ["reset", "admin_set_password", "cli_set_password", "role_change", "deactivate", "logout_all"]


@pytest.mark.parametrize("how", ENDERS)
def test_a_change_committed_during_the_password_check_ends_the_login(scene, after_check, how):
    answers = []
    login = threading.Thread(target=scene.login, args=(answers,))
    login.start()
    assert after_check.reached.wait(WAIT)
    assert scene.change(how) == 200  # commits while the login's password check is under way
    after_check.go.set()
    login.join(WAIT)
    ((status, body),) = answers
    assert status != 200 or not scene.session_lives(body), f"{how}: the racing login kept a session"
    if status != 200:
        # Refused as a concurrent attempt (429), not counted as a failure: a retry sees the change.
        assert status == 429


@pytest.mark.parametrize("how", ENDERS)
def test_a_change_waiting_for_a_claimed_login_ends_its_session(scene, before_session, how):
    answers, changed = [], []
    login = threading.Thread(target=scene.login, args=(answers,))
    login.start()
    assert before_session.reached.wait(WAIT)
    change = threading.Thread(target=lambda: changed.append(scene.change(how)))
    change.start()
    change.join(0.3)  # it waits for the login's hold on the account (or runs first on its own)
    before_session.go.set()
    login.join(WAIT)
    change.join(WAIT)
    assert changed == [200]
    ((status, body),) = answers
    assert status == 200
    assert not scene.session_lives(body), f"{how}: the login's session outlived the change"


def test_a_password_change_proven_with_a_password_reset_meanwhile_is_refused(scene, after_check):
    """An intruder who knows the old password and holds a session tries to set a password of its
    own while the owner confirms a reset: the owner's password stays."""
    intruder = scene.app.test_client().post(
        "/api/auth/login", json={"email": scene.user["email"], "password": PASSWORD}
    ).get_json()
    after_check.armed = True
    answers = []

    def change_password():
        response = scene.app.test_client().post(
            "/api/auth/me/change-password", headers=bearer(intruder["access_token"]),
            json={"current_password": PASSWORD, "new_password": ATTACKER_PASSWORD},
        )
        answers.append(response.status_code)

    thread = threading.Thread(target=change_password)
    thread.start()
    assert after_check.reached.wait(WAIT)
    assert scene.change("reset") == 200
    after_check.go.set()
    thread.join(WAIT)
    assert answers == [401]
    owner = {"email": scene.user["email"], "password": NEW_PASSWORD}
    assert scene.client.post("/api/auth/login", json=owner).status_code == 200
