"""A user holds at most SESSION_MAX_PER_USER live sessions: a login beyond it ends the oldest."""

import pytest
import sqlalchemy as sa

from inventory_auth.config import ConfigurationError
from inventory_auth.extensions import db
from inventory_auth.models import AuthSession

from helpers import Accounts, bearer


def live_sessions(app):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(AuthSession).where(AuthSession.revoked_at.is_(None))
        )


def works(client, pair):
    return client.get("/api/auth/me", headers=bearer(pair["access_token"])).status_code == 200


def test_a_login_beyond_the_cap_ends_the_oldest_session(make_app):
    app = make_app(SESSION_MAX_PER_USER="3")
    client = app.test_client()
    helper = Accounts(client)
    user = helper.register()
    pairs = [helper.login(user["email"]) for _ in range(5)]
    assert [works(client, pair) for pair in pairs] == [False, False, True, True, True]
    assert live_sessions(app) == 3
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": pairs[0]["refresh_token"]})
    assert refreshed.status_code == 401
    # The newest sessions keep refreshing.
    assert client.post(
        "/api/auth/refresh", json={"refresh_token": pairs[-1]["refresh_token"]}
    ).status_code == 200


def test_the_default_cap_is_ten_and_other_users_are_untouched(client, accounts, app):
    user = accounts.register()
    other = accounts.register()
    other_pair = accounts.login(other["email"])
    pairs = [accounts.login(user["email"]) for _ in range(12)]
    assert [works(client, pair) for pair in pairs] == [False, False] + [True] * 10
    assert works(client, other_pair)
    assert live_sessions(app) == 11


def test_a_password_change_keeps_only_its_new_session(make_app):
    app = make_app(SESSION_MAX_PER_USER="2")
    client = app.test_client()
    helper = Accounts(client)
    user = helper.register()
    pairs = [helper.login(user["email"]) for _ in range(2)]
    response = client.post(
        "/api/auth/me/change-password",
        json={"current_password": "Correcto caballo 42", "new_password": "Nueva frase secreta 77"},
        headers=bearer(pairs[-1]["access_token"]),
    )
    assert response.status_code == 200
    assert works(client, response.get_json())
    assert live_sessions(app) == 1


@pytest.mark.parametrize("value", ["0", "-1", "muchas"])
def test_the_cap_setting_is_validated(make_app, value):
    with pytest.raises(ConfigurationError, match="SESSION_MAX_PER_USER"):
        make_app(SESSION_MAX_PER_USER=value)


def test_the_ended_session_is_refused_by_every_instance(make_app):
    """Two instances on one database: the session the cap ends on one is dead on the other."""
    first = make_app(SESSION_MAX_PER_USER="1").test_client()
    second = make_app(SESSION_MAX_PER_USER="1").test_client()
    helper = Accounts(first)
    user = helper.register()
    old = helper.login(user["email"])
    assert works(second, old)
    helper.login(user["email"])
    assert not works(second, old)
