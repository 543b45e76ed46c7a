"""What ends a password reset link besides its use, its expiry and a newer link: a password
change by any path, a role change, a deactivation (which a reactivation does not undo); and the
per-account limit under a burst of concurrent requests, from one address and from many.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from inventory_auth import mail
from inventory_auth.accounts import password_reset
from inventory_auth.extensions import db
from inventory_auth.models import PasswordResetToken

from helpers import PASSWORD, Accounts, bearer

CONFIRM = "/api/auth/password-reset/confirm"
REQUEST = "/api/auth/password-reset/request"
OTHER_PASSWORD = "Otra frase para el almacén 12"
LINK_PASSWORD = "Frase del enlace para el almacén 5"
INVALID = {"detail": "El enlace de restablecimiento no es válido o ha expirado"}


def reset_link(runner, email) -> str:
    result = runner.invoke(args=["users", "reset-link", email])
    assert result.exit_code == 0, result.output
    return unquote(result.stdout.strip().splitlines()[-1].rsplit("token=", 1)[1])


def use(client, token, password=LINK_PASSWORD):
    return client.post(CONFIRM, json={"token": token, "new_password": password})


@pytest.fixture
def scene(app, runner, create_user):
    client = app.test_client()
    admin = create_user(role="admin_general")
    helper = Accounts(client)
    user = helper.register(email="ana@sena.edu.co")
    return {
        "client": client, "runner": runner, "user": user,
        "admin": bearer(helper.login(admin["email"])["access_token"]),
        "own": bearer(helper.login(user["email"])["access_token"]),
    }


def change_password(s):
    body = {"current_password": PASSWORD, "new_password": OTHER_PASSWORD}
    assert s["client"].post("/api/auth/me/change-password", json=body, headers=s["own"]).status_code == 200


def admin_sets_password(s):
    body = {"new_password": OTHER_PASSWORD}
    url = f"/api/users/{s['user']['id']}/password"
    assert s["client"].post(url, json=body, headers=s["admin"]).status_code == 200


def cli_sets_password(s):
    result = s["runner"].invoke(args=["users", "set-password", s["user"]["email"], "--password-stdin"],
                                input=OTHER_PASSWORD + "\n")
    assert result.exit_code == 0, result.output


def role_change(s):
    url = f"/api/users/{s['user']['id']}"
    assert s["client"].put(url, json={"role": "instructor"}, headers=s["admin"]).status_code == 200


def cli_role_change(s):
    result = s["runner"].invoke(args=["users", "set-role", s["user"]["email"], "instructor"])
    assert result.exit_code == 0, result.output


def deactivation_then_reactivation(s):
    url = f"/api/users/{s['user']['id']}"
    assert s["client"].delete(url, headers=s["admin"]).status_code == 200
    assert s["client"].post(f"{url}/activate", headers=s["admin"]).status_code == 200


def another_reset(s):
    token = reset_link(s["runner"], s["user"]["email"])  # a newer link (supersedes) ...
    assert use(s["client"], token, OTHER_PASSWORD).status_code == 200  # ... and used


@pytest.mark.parametrize("change", [
    change_password, admin_sets_password, cli_sets_password, role_change, cli_role_change,
    deactivation_then_reactivation, another_reset,
])
def test_a_link_issued_before_the_change_no_longer_resets(scene, change):
    token = reset_link(scene["runner"], scene["user"]["email"])
    change(scene)
    response = use(scene["client"], token)
    assert (response.status_code, response.get_json()) == (400, INVALID)
    login = scene["client"].post("/api/auth/login",
                                 json={"email": scene["user"]["email"], "password": LINK_PASSWORD})
    assert login.status_code == 401


def test_a_link_issued_after_the_change_works(scene):
    change_password(scene)
    token = reset_link(scene["runner"], scene["user"]["email"])
    assert use(scene["client"], token).status_code == 200


# The per-account limit under a burst -----------------------------------------------------------

ACCOUNT_LIMIT = 3  # PASSWORD_RESET_ACCOUNT_LIMIT's default, "3 per hour"
BURST = 10


@pytest.fixture
def slow_count(monkeypatch):
    """Each request counts the account's links a little slowly, as on a loaded server, so that a
    burst's requests overlap between their count and their insert."""
    real = password_reset._over_account_limit

    def counted(user_id, now):
        over = real(user_id, now)
        time.sleep(0.05)
        return over

    monkeypatch.setattr(password_reset, "_over_account_limit", counted)


@pytest.mark.parametrize("addresses", [1, BURST], ids=["one_address", "ten_addresses"])
def test_a_burst_for_one_account_sends_at_most_the_limit(make_app, smtp_server, slow_count, addresses):
    settings = {**smtp_server.environ, "TRUSTED_PROXIES": "1",
                "PASSWORD_RESET_URL": "https://inventario.sena.edu.co/restablecer?token={token}"}
    if addresses == 1:
        settings["PASSWORD_RESET_RATE_LIMIT"] = "1000 per minute"  # the per-account limit decides
    app = make_app(**settings)
    user = Accounts(app.test_client()).register(email="rafaga@sena.edu.co")
    start = threading.Barrier(BURST)

    def ask(n):
        client = app.test_client()
        start.wait()
        forwarded = {"X-Forwarded-For": f"10.20.0.{n % addresses + 1}"}
        return client.post(REQUEST, json={"email": user["email"]}, headers=forwarded).status_code

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        statuses = list(pool.map(ask, range(BURST)))
    assert set(statuses) == {202}
    assert mail.outbox(app).flush(10)
    time.sleep(0.2)
    assert len(smtp_server.messages) == ACCOUNT_LIMIT
    with app.app_context():
        valid = db.session.scalar(
            sa.select(sa.func.count()).select_from(PasswordResetToken).where(
                PasswordResetToken.used_at.is_(None), PasswordResetToken.superseded_at.is_(None)
            )
        )
    assert valid == 1
    mail.outbox(app).close(0)
