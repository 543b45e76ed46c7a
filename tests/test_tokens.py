"""Every way an access token can be wrong ends as the contract's 401 JSON."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
from conftest import TEST_SECRET, bearer

INVALID = {"detail": "Token inválido o expirado"}


def claims_for(user_id, **overrides):
    now = datetime.now(UTC)
    claims = {
        "sub": user_id,
        "role": "student",
        "type": "access",
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def forge(claims, key=TEST_SECRET, algorithm="HS256"):
    return pyjwt.encode(claims, key, algorithm=algorithm)


def assert_refused(client, token):
    response = client.get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 401, response.get_json()
    assert response.get_json() == INVALID
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_correctly_forged_token_is_accepted(client, accounts):
    """The baseline for the tests below: the forging helper itself makes valid tokens."""
    user = accounts.register()
    response = client.get("/api/auth/me", headers=bearer(forge(claims_for(user["id"]))))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Token abc", "Bearer abc.def.ghi", "Bearer a b", "Basic dXNlcjpwYXNz"],
)
def test_malformed_authorization_headers(client, header):
    response = client.get("/api/auth/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json() == INVALID


def test_expired_token(client, accounts):
    user = accounts.register()
    past = datetime.now(UTC) - timedelta(hours=1)
    token = forge(claims_for(user["id"], iat=past, nbf=past, exp=past + timedelta(minutes=30)))
    assert_refused(client, token)


def test_not_yet_valid_token(client, accounts):
    user = accounts.register()
    future = datetime.now(UTC) + timedelta(hours=1)
    assert_refused(client, forge(claims_for(user["id"], nbf=future)))


def test_bad_signature(client, accounts):
    user = accounts.register()
    assert_refused(client, forge(claims_for(user["id"]), key="another-secret-that-is-long-enough!!"))


def test_tampered_payload(client, accounts):
    user, token = accounts.token()
    header, payload, signature = token.split(".")
    other = forge(claims_for(user["id"], role="admin_general")).split(".")[1]
    assert_refused(client, ".".join([header, other, signature]))


def test_alg_none(client, accounts):
    user = accounts.register()
    assert_refused(client, pyjwt.encode(claims_for(user["id"]), None, algorithm="none"))


def test_another_hmac_algorithm(client, accounts):
    user = accounts.register()
    assert_refused(client, forge(claims_for(user["id"]), algorithm="HS512"))


@pytest.mark.parametrize("sub", [None, "", "no-es-un-uuid", "1234", 42, ["x"]])
def test_missing_or_malformed_sub_is_401_not_500(client, sub):
    assert_refused(client, forge(claims_for(sub)))


def test_token_of_a_deleted_user_is_404(app, client, accounts):
    from inventory_auth.extensions import db
    from inventory_auth.models import User

    user, token = accounts.token()
    with app.app_context():
        db.session.delete(db.session.get(User, uuid.UUID(user["id"])))
        db.session.commit()
    response = client.get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 404
    assert response.get_json() == {"detail": "Usuario no encontrado"}


def test_token_of_a_deactivated_user_is_refused(client, accounts, runner):
    user, token = accounts.token()
    assert runner.invoke(args=["users", "deactivate", user["email"]]).exit_code == 0
    assert_refused(client, token)


def test_token_whose_role_changed_is_refused(client, accounts, runner):
    user, token = accounts.token()
    assert runner.invoke(args=["users", "set-role", user["email"], "instructor"]).exit_code == 0
    assert_refused(client, token)


def test_token_expiry_follows_configuration(make_app):
    app = make_app(ACCESS_TOKEN_EXPIRE="5")
    client = app.test_client()
    from conftest import Accounts

    user = Accounts(client).register()
    token = Accounts(client).login(user["email"])["access_token"]
    claims = pyjwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 5 * 60
    assert claims["exp"] > time.time()
