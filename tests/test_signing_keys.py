"""Tokens signed with a private key (EdDSA, ES256, RS256): the `kid`, the JWKS, the keys' settings,
forged tokens, and rotation with two instances on one database (signing/, sessions/jwt_manager.py)."""

from __future__ import annotations

import base64
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from inventory_auth.config import ConfigurationError, load_config
from inventory_auth.extensions import db
from inventory_auth.models import SigningKey
from inventory_auth.signing import material
from inventory_auth.signing.keyring import EPOCH, Key, Lifetimes, Snapshot

from helpers import TEST_SECRET, Accounts, bearer, private_key_file, statements_run, without_target

INVALID = {"detail": "Token inválido o expirado"}


@pytest.fixture
def key_app(make_app, tmp_path):
    """An EdDSA app whose key ring reloads every second and whose JWKS may be cached 0 s:
    a rotated key signs about one second after `flask keys rotate`."""

    def make(algorithm="EdDSA", **environ):
        settings = {"ALGORITHM": algorithm, "SIGNING_KEYS_REFRESH_SECONDS": "1", "JWKS_MAX_AGE_SECONDS": "0"}
        settings.update(environ)
        if "JWT_PRIVATE_KEY_FILE" not in settings:
            settings["JWT_PRIVATE_KEY_FILE"] = private_key_file(tmp_path, algorithm)
        return make_app(**settings)

    return make


def kid_of(token: str) -> str:
    return pyjwt.get_unverified_header(token)["kid"]


def jwks(client) -> dict:
    response = client.get("/api/auth/jwks.json")
    assert response.status_code == 200
    return response.get_json()


def assert_refused(client, token):
    response = client.get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 401, response.get_json()
    assert response.get_json() == INVALID
    assert response.headers["WWW-Authenticate"] == "Bearer"


# --- Signing, publishing, verifying ------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256"])
def test_tokens_name_their_key_and_verify_with_the_published_one(key_app, algorithm):
    app = key_app(algorithm, JWKS_MAX_AGE_SECONDS="300")
    client = app.test_client()
    accounts = Accounts(client)
    _, token = accounts.token()
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == algorithm and header["kid"]

    response = client.get("/api/auth/jwks.json")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    published = {key["kid"]: key for key in response.get_json()["keys"]}
    assert set(published) == {header["kid"]}
    key = published[header["kid"]]
    assert key["alg"] == algorithm and key["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "a private member was published"
    claims = pyjwt.decode(token, pyjwt.PyJWK(key), algorithms=[algorithm])
    assert claims["type"] == "access" and claims["role"] == "student"
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200


def test_the_kid_is_the_rfc7638_thumbprint(tmp_path):
    # RFC 7638, section 3.1: the example RSA key and its thumbprint.
    jwk = {
        "kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
             "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FD"
             "W2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vM"
             "QFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    assert material.thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_hs256_stays_the_default_with_no_key_and_an_empty_jwks(client, accounts):
    _, token = accounts.token()
    assert pyjwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    pyjwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert jwks(client) == {"keys": []}


def test_a_refresh_token_rotates_under_eddsa(key_app):
    client = key_app().test_client()
    user = Accounts(client).register()
    pair = client.post("/api/auth/login", json={"email": user["email"], "password": "Correcto caballo 42"})
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": pair.get_json()["refresh_token"]})
    assert refreshed.status_code == 200
    assert kid_of(refreshed.get_json()["refresh_token"]) == kid_of(pair.get_json()["access_token"])


# --- Forged and malformed tokens: the contract's 401, never a 500 ------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict, claims: dict, sign) -> str:
    """A token PyJWT would refuse to write: `sign` gets the signing input, returns the signature."""
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return signing_input + "." + _b64(sign(signing_input.encode()))


def forged_tokens(app, client, accounts) -> dict:
    """Tokens an attacker can make, each with the claims of a real, live token."""
    _, token = accounts.token()
    claims = pyjwt.decode(token, options={"verify_signature": False})
    real_kid = kid_of(token)
    public = next(key for key in jwks(client)["keys"] if key["kid"] == real_kid)
    public_pem = pyjwt.PyJWK(public).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    own = ed25519.Ed25519PrivateKey.generate()
    own_jwk = json.loads(pyjwt.algorithms.OKPAlgorithm.to_jwk(own.public_key()))
    return {
        "unknown kid": pyjwt.encode(claims, own, "EdDSA", headers={"kid": "not-a-key-of-ours"}),
        "own key under the real kid": pyjwt.encode(claims, own, "EdDSA", headers={"kid": real_kid}),
        "HS256 with the public key as secret": handmade(
            {"alg": "HS256", "typ": "JWT", "kid": real_kid}, claims,
            lambda data: hmac.new(public_pem, data, "sha256").digest(),
        ),
        "HS256 with the public JWK's x as secret": handmade(
            {"alg": "HS256", "typ": "JWT", "kid": real_kid}, claims,
            lambda data: hmac.new(public["x"].encode(), data, "sha256").digest(),
        ),
        "HS256 with SECRET_KEY": pyjwt.encode(claims, TEST_SECRET, "HS256", headers={"kid": real_kid}),
        "alg none": handmade({"alg": "none", "kid": real_kid}, claims, lambda data: b""),
        "embedded jwk": pyjwt.encode(claims, own, "EdDSA", headers={"kid": real_kid, "jwk": own_jwk}),
        "jku": pyjwt.encode(claims, own, "EdDSA", headers={"kid": real_kid, "jku": "http://evil.example/k"}),
        "x5u": pyjwt.encode(claims, own, "EdDSA", headers={"kid": real_kid, "x5u": "http://evil.example/c"}),
        "kid not a string": handmade({"alg": "EdDSA", "kid": {"a": 1}}, claims, own.sign),
        "no kid": pyjwt.encode(claims, own, "EdDSA"),
        "huge": pyjwt.encode({**claims, "pad": "x" * 200_000}, own, "EdDSA", headers={"kid": real_kid}),
        "garbage": "a.b.c",
    }


def test_forged_and_malformed_tokens_are_401(key_app):
    app = key_app()
    client = app.test_client()
    accounts = Accounts(client)
    for name, token in forged_tokens(app, client, accounts).items():
        response = client.get("/api/auth/me", headers=bearer(token))
        assert (response.status_code, response.get_json()) == (401, INVALID), name
        assert response.headers["WWW-Authenticate"] == "Bearer", name
    # Genuine tokens still pass afterwards.
    _, token = accounts.token()
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200


# --- Settings ------------------------------------------------------------------------------------

def settings_error(tmp_path, **environ) -> str:
    base = {"APP_ENV": "production", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": "sqlite://"}
    with pytest.raises(ConfigurationError) as refused:
        load_config(str(tmp_path / "instance"), {**base, **environ})
    return str(refused.value)


def test_production_refuses_an_asymmetric_algorithm_without_a_usable_key(tmp_path):
    message = settings_error(tmp_path, ALGORITHM="EdDSA")
    assert message.startswith("JWT_PRIVATE_KEY_FILE must name the PEM private key ALGORITHM=EdDSA")
    assert "python -m inventory_auth.signing EdDSA PATH" in message

    missing = settings_error(tmp_path, ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=str(tmp_path / "none.pem"))
    assert "cannot be read" in missing and "none.pem" in missing

    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    assert "is not an unencrypted PEM private key" in settings_error(
        tmp_path, ALGORITHM="ES256", JWT_PRIVATE_KEY_FILE=str(garbage)
    )
    rsa_file = private_key_file(tmp_path, "RS256")
    wrong = settings_error(tmp_path, ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=rsa_file)
    assert "does not fit ALGORITHM=EdDSA: EdDSA needs an Ed25519 private key, got an RSA key" in wrong
    ed_file = private_key_file(tmp_path, "EdDSA")
    assert "ES256 needs a P-256 EC private key" in settings_error(
        tmp_path, ALGORITHM="ES256", JWT_PRIVATE_KEY_FILE=ed_file
    )
    assert "signs with SECRET_KEY" in settings_error(tmp_path, JWT_PRIVATE_KEY_FILE=ed_file)
    assert "LEGACY_TOKENS_UNTIL needs ALGORITHM=HS256" in settings_error(
        tmp_path, ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=ed_file, LEGACY_TOKENS_UNTIL="2026-12-31T00:00:00Z"
    )
    assert "ALGORITHM must be one of HS256, HS384, HS512, EdDSA, ES256, RS256" in settings_error(
        tmp_path, ALGORITHM="PS256"
    )


def test_development_makes_a_key_once_in_the_instance_folder(tmp_path):
    environ = {"APP_ENV": "development", "DATABASE_URL": "sqlite://", "ALGORITHM": "ES256"}
    first = load_config(str(tmp_path / "instance"), environ)
    second = load_config(str(tmp_path / "instance"), environ)
    path = tmp_path / "instance" / "jwt_private_key_es256.pem"
    assert first["JWT_PRIVATE_KEY_FILE"] == second["JWT_PRIVATE_KEY_FILE"] == str(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert material.public_jwk(first["JWT_FILE_PRIVATE_KEY"], "ES256") == material.public_jwk(
        second["JWT_FILE_PRIVATE_KEY"], "ES256"
    )


# --- Rotation, and two instances agreeing ------------------------------------------------------

def wait_until(moment: datetime) -> None:
    delay = (moment - datetime.now(UTC)).total_seconds()
    if delay > 0:
        time.sleep(delay + 0.05)


def test_two_instances_switch_to_a_rotated_key_together_and_retire_the_old_one(key_app, tmp_path):
    first = key_app()
    second = key_app(JWT_PRIVATE_KEY_FILE=first.config["JWT_PRIVATE_KEY_FILE"])
    a, b = first.test_client(), second.test_client()
    accounts_a, accounts_b = Accounts(a), Accounts(b)
    accounts_b.counter = 100
    _, old_token = accounts_a.token()
    old_kid = kid_of(old_token)
    assert kid_of(accounts_b.token()[1]) == old_kid

    result = first.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    with first.app_context():
        new = db.session.scalars(db.select(SigningKey).where(SigningKey.private_key.is_not(None))).one()
        new_kid, signs_from = new.kid, new.signs_from
        assert new.private_key.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert signs_from > datetime.now(UTC)
    # Published by both before it signs (each reloads within a second) ...
    time.sleep(1.1)
    if datetime.now(UTC) < signs_from:
        for client in (a, b):
            assert {key["kid"] for key in jwks(client)["keys"]} == {old_kid, new_kid}
    # ... then both sign with it, and each accepts the other's tokens and the old ones.
    wait_until(signs_from)
    _, from_a = accounts_a.token()
    _, from_b = accounts_b.token()
    assert kid_of(from_a) == kid_of(from_b) == new_kid
    for client in (a, b):
        for token in (from_a, from_b, old_token):
            assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200

    listing = without_target(second.test_cli_runner().invoke(args=["keys", "list"]).output)
    lines = {line.split()[0]: line for line in listing.splitlines()[1:]}
    assert " verifying " in lines[old_kid] and "(JWT_PRIVATE_KEY_FILE)" in lines[old_kid]
    assert " signing " in lines[new_kid]

    refused = second.test_cli_runner().invoke(args=["keys", "retire", new_kid])
    assert refused.exit_code == 1 and "signs now; run flask keys rotate first" in refused.output
    retired = second.test_cli_runner().invoke(args=["keys", "retire", old_kid])
    assert retired.exit_code == 0, retired.output
    time.sleep(1.1)  # each instance reloads
    for client in (a, b):
        assert_refused(client, old_token)
        assert {key["kid"] for key in jwks(client)["keys"]} == {new_kid}
        assert client.get("/api/auth/me", headers=bearer(from_b)).status_code == 200


def test_key_commands_say_what_is_wrong_in_one_line(runner, key_app):
    hs = runner.invoke(args=["keys", "rotate"])
    assert hs.exit_code == 1 and "ALGORITHM is HS256/HS384/HS512" in hs.output
    unknown = key_app().test_cli_runner().invoke(args=["keys", "retire", "nope"])
    assert unknown.exit_code == 1 and "no signing key has that kid" in unknown.output


def _key(kid, signs_from, stops_at) -> Key:
    private = material.generate("EdDSA")
    jwk = material.public_jwk(private, "EdDSA")
    return Key(kid, "EdDSA", jwk, pyjwt.PyJWK(jwk), private, signs_from, stops_at, False)


def test_a_rotated_out_key_is_published_until_its_access_tokens_expire_and_verifies_refresh_tokens():
    start = datetime(2026, 12, 4, 12, tzinfo=UTC)
    old, new = _key("old", EPOCH, start), _key("new", start, None)
    lifetimes = Lifetimes(access=timedelta(minutes=30), refresh=timedelta(days=30), leeway=timedelta(0))
    snapshot = Snapshot([old, new], "EdDSA", lifetimes)

    assert snapshot.signing_key(start - timedelta(seconds=1)).kid == "old"
    assert snapshot.signing_key(start).kid == "new"
    assert [key.kid for key in snapshot.published(start - timedelta(hours=1))] == ["old", "new"]
    assert [key.kid for key in snapshot.published(start + timedelta(minutes=29))] == ["old", "new"]
    assert [key.kid for key in snapshot.published(start + timedelta(minutes=30))] == ["new"]
    assert snapshot.verifier("old", start + timedelta(days=29), access=False) is old
    assert snapshot.verifier("old", start + timedelta(days=30), access=False) is None


def test_the_jwks_and_token_checks_read_the_keys_without_a_statement_per_request(key_app):
    app = key_app(SIGNING_KEYS_REFRESH_SECONDS="60")
    client = app.test_client()
    _, token = Accounts(client).token()  # the key ring is loaded by now
    with statements_run(app) as statements:
        for _ in range(20):
            assert jwks(client)["keys"]
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert len(statements) == 1  # GET /me's own read of the user and session


def test_a_kid_starting_with_a_dash_is_read_as_a_kid(key_app):
    """RFC 7638 thumbprints are base64url: about one in 64 starts with "-"."""
    answer = key_app().test_cli_runner().invoke(args=["keys", "retire", "-Zk3bW9uZS1vZi10aGVzZQ"])
    assert answer.exit_code == 1
    assert "no signing key has that kid" in answer.output
