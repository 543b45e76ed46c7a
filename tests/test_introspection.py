"""POST /api/auth/introspect (RFC 7662) and the service credentials it takes (`flask services`)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token

from inventory_auth.extensions import db
from inventory_auth.models import ServiceClient
from inventory_auth.service_clients.introspection import INTROSPECTION

from helpers import (
    PASSWORD,
    TEST_SECRET,
    Accounts,
    bearer,
    prepared_statements,
    private_key_file,
    statements_run,
    using_postgres,
    without_target,
)

CLAIMS = {"active", "sub", "role", "exp", "iat", "sid", "token_type"}
BAD_CREDENTIALS = {"detail": "Credenciales de servicio inválidas"}


def basic(name: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{secret}".encode()).decode()}


def create_service(runner, name="prestamos") -> str:
    result = runner.invoke(args=["services", "create", name])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def service(runner):
    return basic("prestamos", create_service(runner))


def introspect(client, credentials, token, *, form=True):
    if form:
        return client.post("/api/auth/introspect", data={"token": token}, headers=credentials)
    return client.post("/api/auth/introspect", json={"token": token}, headers=credentials)


def test_a_live_token_gives_its_claims_by_form_and_by_json(client, accounts, service):
    user, token = accounts.token()
    claims = pyjwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    for form in (True, False):
        response = introspect(client, service, token, form=form)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_json()
        assert set(body) == CLAIMS
        assert body == {
            "active": True, "sub": user["id"], "role": "student", "exp": claims["exp"],
            "iat": claims["iat"], "sid": claims["sid"], "token_type": "bearer",
        }


def test_a_token_that_is_not_live_now_is_inactive(app, client, accounts, service, runner):
    user, token = accounts.token()
    pair = accounts.login(user["email"])
    with app.app_context():
        claims = pyjwt.decode(token, TEST_SECRET, algorithms=["HS256"])
        expired = create_access_token(
            identity=claims["sub"], additional_claims={"role": "student", "sid": claims["sid"]},
            expires_delta=timedelta(seconds=-1),
        )
    not_live = {
        "refresh token": pair["refresh_token"],
        "expired": expired,
        "another secret": pyjwt.encode({**claims}, "x" * 40, "HS256"),
        "alg none": pyjwt.encode(claims, None, "none"),
        "garbage": "a.b.c",
        "empty": "",
        "long": "e" * 60_000,  # under the body limit (MAX_CONTENT_LENGTH), over any token
    }
    for name, candidate in not_live.items():
        response = introspect(client, service, candidate)
        assert (response.status_code, response.get_json()) == (200, {"active": False}), name

    assert introspect(client, service, "e" * 70_000).status_code == 413
    assert introspect(client, service, token).get_json()["active"] is True
    # Ended by a logout of that session ...
    assert client.post("/api/auth/logout", headers=bearer(pair["access_token"])).status_code == 200
    assert introspect(client, service, pair["access_token"]).get_json() == {"active": False}
    # ... a role change, and a deactivation.
    assert introspect(client, service, token).get_json()["active"] is True
    assert runner.invoke(args=["users", "set-role", user["email"], "instructor"]).exit_code == 0
    assert introspect(client, service, token).get_json() == {"active": False}
    _, other = accounts.token()
    other_user = pyjwt.decode(other, TEST_SECRET, algorithms=["HS256"])
    assert introspect(client, service, other).get_json()["active"] is True
    with app.app_context():
        from inventory_auth.models import User

        email = db.session.get(User, __import__("uuid").UUID(other_user["sub"])).email
    assert runner.invoke(args=["users", "deactivate", email]).exit_code == 0
    assert introspect(client, service, other).get_json() == {"active": False}


def test_callers_without_a_live_service_credential_get_401(client, accounts, runner):
    _, token = accounts.token()
    secret = create_service(runner, "inventario")
    refused = {
        "no credentials": {},
        "a user's bearer token": bearer(token),
        "wrong secret": basic("inventario", secret[:-1] + ("A" if secret[-1] != "A" else "B")),
        "unknown service": basic("otro", secret),
        "empty secret": basic("inventario", ""),
    }
    for name, headers in refused.items():
        response = introspect(client, headers, token)
        assert (response.status_code, response.get_json()) == (401, BAD_CREDENTIALS), name
        assert response.headers["WWW-Authenticate"].startswith("Basic realm="), name
    assert introspect(client, basic("inventario", secret), token).status_code == 200

    revoked = runner.invoke(args=["services", "revoke", "inventario"])
    assert revoked.exit_code == 0, revoked.output
    assert introspect(client, basic("inventario", secret), token).status_code == 401


def test_credentials_are_stored_hashed_listed_and_named_once(app, runner):
    secret = create_service(runner, "reportes")
    assert len(secret) >= 43  # 32 random bytes
    with app.app_context():
        row = db.session.scalars(db.select(ServiceClient)).one()
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest() != secret
    again = runner.invoke(args=["services", "create", "reportes"])
    assert again.exit_code == 1 and "exists already" in again.output
    bad = runner.invoke(args=["services", "create", "Con Espacios"])
    assert bad.exit_code == 1 and "lowercase letters" in bad.output
    assert runner.invoke(args=["services", "revoke", "reportes"]).exit_code == 0
    listing = without_target(runner.invoke(args=["services", "list"]).output)
    assert listing.startswith("reportes") and "revoked" in listing and secret not in listing
    unknown = runner.invoke(args=["services", "revoke", "reportes"])
    assert unknown.exit_code == 1 and "no live service credential" in unknown.output


def test_introspection_costs_one_statement_like_get_me(app, client, accounts, service):
    _, token = accounts.token()
    with statements_run(app) as statements:
        assert introspect(client, service, token).get_json()["active"] is True
        answered = len(statements)
        assert introspect(client, service, "not a token").get_json() == {"active": False}
        assert introspect(client, basic("nadie", "x"), token).status_code == 401
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert answered == 1
    assert len(statements) == 4  # one each


def test_bodies_introspection_refuses(client, service):
    missing = client.post("/api/auth/introspect", data={"token_type_hint": "x"}, headers=service)
    assert missing.status_code == 422 and "token" in missing.get_json()["errors"]
    text = client.post("/api/auth/introspect", data="token=x",
                       headers={**service, "Content-Type": "text/plain"})
    assert text.status_code == 415
    hinted = client.post("/api/auth/introspect", data={"token": "x", "token_type_hint": "access_token"},
                         headers=service)
    assert hinted.get_json() == {"active": False}


def test_introspection_of_eddsa_tokens_and_forged_ones(make_app, tmp_path):
    app = make_app(ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=private_key_file(tmp_path))
    client = app.test_client()
    accounts = Accounts(client)
    credentials = basic("prestamos", create_service(app.test_cli_runner()))
    _, token = accounts.token()
    assert introspect(client, credentials, token).get_json()["active"] is True
    claims = pyjwt.decode(token, options={"verify_signature": False})
    header = pyjwt.get_unverified_header(token)
    forged = [
        pyjwt.encode(claims, TEST_SECRET, "HS256"),
        pyjwt.encode(claims, TEST_SECRET, "HS256", headers={"kid": header["kid"]}),
        pyjwt.encode(claims, None, "none"),
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
    ]
    for candidate in forged:
        assert introspect(client, credentials, candidate).get_json() == {"active": False}


@pytest.mark.skipif(not using_postgres(), reason="PostgreSQL's prepared statements")
def test_introspection_prepares_its_read_once_per_connection(make_app, create_user):
    app = make_app(DATABASE_POOL_SIZE="1", DATABASE_MAX_OVERFLOW="0")
    client = app.test_client()
    credentials = basic("prestamos", create_service(app.test_cli_runner()))
    user = create_user()
    token = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD}).get_json()
    for _ in range(3):
        assert introspect(client, credentials, token["access_token"]).get_json()["sub"] == user["id"]
    assert introspect(client, credentials, "no-es-un-token").get_json() == {"active": False}
    assert introspect(client, basic("prestamos", "otra"), token["access_token"]).status_code == 401
    assert prepared_statements(app) == [INTROSPECTION.name]
