"""Guessing the current password through change-password, with a stolen access token.

Wrong current passwords count toward the account's lockout, shared with login; a waiting account's
change-password answers 429 without checking anything; the endpoint has its own per-address limit;
every refusal is in the audit trail.
"""

import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import AuditLog

from helpers import PASSWORD, bearer

NEW_PASSWORD = "Nueva frase secreta 77"


def change(client, token, current, new=NEW_PASSWORD, address="10.0.0.1"):
    return client.post(
        "/api/auth/me/change-password",
        json={"current_password": current, "new_password": new},
        headers=bearer(token),
        environ_base={"REMOTE_ADDR": address},
    )


def audit_rows(app, action):
    with app.app_context():
        found = db.session.scalars(
            sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.created_at)
        ).all()
        db.session.expunge_all()
        return found


def test_fifty_nine_wrong_guesses_then_the_right_one_is_refused(client, accounts):
    """The reported attack: 59 wrong current passwords, then the right one, all accepted."""
    user, token = accounts.token()
    statuses = [change(client, token, f"adivinanza {n}").status_code for n in range(59)]
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}
    response = change(client, token, PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 30
    assert "Demasiados intentos fallidos" in response.get_json()["detail"]
    # The victim's password did not change, and login waits too: the lockout is the account's.
    login = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert login.status_code == 429


def test_wrong_current_passwords_and_failed_logins_add_up(client, accounts):
    user, token = accounts.token()
    for _ in range(3):
        client.post("/api/auth/login", json={"email": user["email"], "password": "mala clave 1"})
    assert change(client, token, "mala clave 2").status_code == 400
    assert change(client, token, "mala clave 3").status_code == 400
    assert change(client, token, PASSWORD).status_code == 429


def test_the_right_current_password_clears_the_failures(client, accounts):
    user, token = accounts.token()
    for n in range(4):
        assert change(client, token, f"mala clave {n}").status_code == 400
    response = change(client, token, PASSWORD)
    assert response.status_code == 200
    for n in range(4):
        bad = client.post("/api/auth/login", json={"email": user["email"], "password": f"mala {n}"})
        assert bad.status_code == 401


def test_a_weak_new_password_does_not_leave_the_account_busy(client, accounts):
    _, token = accounts.token()
    weak = change(client, token, PASSWORD, new="password123")
    assert weak.status_code == 422
    assert change(client, token, PASSWORD).status_code == 200


def test_refusals_are_in_the_audit_trail(make_app):
    app = make_app(LOCKOUT_THRESHOLD="2")
    client = app.test_client()
    from helpers import Accounts

    user, token = Accounts(client).token()
    change(client, token, "mala clave 1")
    change(client, token, "mala clave 2")
    change(client, token, PASSWORD)
    reasons = [row.new_values["reason"] for row in audit_rows(app, "password_change_failed")]
    assert reasons == ["wrong_current_password", "wrong_current_password", "locked"]
    assert all(str(row.entity_id) == user["id"] for row in audit_rows(app, "password_change_failed"))
    [locked] = audit_rows(app, "account_locked")
    assert locked.new_values == {"seconds": 30}
    from inventory_auth.audit.actions import level

    assert level("password_change_failed") == "warning"


def test_change_password_has_a_per_address_limit(make_app):
    app = make_app(CHANGE_PASSWORD_RATE_LIMIT="2 per minute", LOCKOUT_THRESHOLD="50")
    client = app.test_client()
    from helpers import Accounts

    _, token = Accounts(client).token()
    assert change(client, token, "mala 1").status_code == 400
    assert change(client, token, "mala 2").status_code == 400
    limited = change(client, token, "mala 3")
    assert limited.status_code == 429
    assert limited.get_json()["detail"] == "Demasiadas solicitudes; intente de nuevo más tarde"
    assert int(limited.headers["Retry-After"]) > 0
    assert change(client, token, "mala 4", address="10.9.9.9").status_code == 400


def test_the_limit_setting_is_validated(make_app):
    import pytest

    from inventory_auth.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="CHANGE_PASSWORD_RATE_LIMIT"):
        make_app(CHANGE_PASSWORD_RATE_LIMIT="muchas")
