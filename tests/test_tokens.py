"""Every way an access token can be wrong ends as the contract's 401 JSON."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest

from helpers import PASSWORD, TEST_SECRET, bearer

INVALID = {"detail": "Token inválido o expirado"}


@pytest.fixture
def real_claims(accounts):
    """The claims of a real access token of a fresh user (with its live session id)."""
    _, token = accounts.token()
    return pyjwt.decode(token, TEST_SECRET, algorithms=["HS256"])


def claims_for(real_claims, **overrides):
    now = datetime.now(UTC)
    claims = {**real_claims, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
              "exp": now + timedelta(minutes=5)}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def forge(claims, key=TEST_SECRET, algorithm="HS256"):
    return pyjwt.encode(claims, key, algorithm=algorithm)


def assert_refused(client, token):
    response = client.get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 401, response.get_json()
    assert response.get_json() == INVALID
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_correctly_forged_token_is_accepted(client, real_claims):
    """The baseline for the tests below: the forging helper itself makes valid tokens."""
    response = client.get("/api/auth/me", headers=bearer(forge(claims_for(real_claims))))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Token abc", "Bearer abc.def.ghi", "Bearer a b", "Basic dXNlcjpwYXNz"],
)
def test_malformed_authorization_headers(client, header):
    response = client.get("/api/auth/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json() == INVALID


def test_expired_token(client, real_claims):
    past = datetime.now(UTC) - timedelta(hours=1)
    token = forge(claims_for(real_claims, iat=past, nbf=past, exp=past + timedelta(minutes=30)))
    assert_refused(client, token)


def test_not_yet_valid_token(client, real_claims):
    future = datetime.now(UTC) + timedelta(hours=1)
    assert_refused(client, forge(claims_for(real_claims, nbf=future)))


def test_bad_signature(client, real_claims):
    assert_refused(client, forge(claims_for(real_claims), key="another-secret-that-is-long-enough!!"))


def test_tampered_payload(client, accounts):
    _, token = accounts.token()
    header, payload, signature = token.split(".")
    claims = pyjwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    other = forge({**claims, "role": "admin_general"}).split(".")[1]
    assert_refused(client, ".".join([header, other, signature]))


def test_alg_none(client, real_claims):
    assert_refused(client, pyjwt.encode(claims_for(real_claims), None, algorithm="none"))


def test_another_hmac_algorithm(client, real_claims):
    assert_refused(client, forge(claims_for(real_claims), key=TEST_SECRET * 2, algorithm="HS512"))
    assert_refused(client, forge(claims_for(real_claims), algorithm="HS384"))


@pytest.mark.parametrize("sub", [None, "", "no-es-un-uuid", "1234", 42, ["x"]])
def test_missing_or_malformed_sub_is_401_not_500(client, real_claims, sub):
    assert_refused(client, forge(claims_for(real_claims, sub=sub)))


@pytest.mark.parametrize("sid", [None, "", "no-es-un-uuid", 7, str(uuid.uuid4())])
def test_missing_malformed_or_unknown_session_is_401(client, real_claims, sid):
    claims = claims_for(real_claims, sid=sid)
    assert ("sid" in claims) == (sid is not None)
    assert_refused(client, forge(claims))


def test_refresh_token_is_not_an_access_token(client, accounts):
    user = accounts.register()
    body = accounts.login(user["email"])
    assert_refused(client, body["refresh_token"])


def test_access_token_is_not_a_refresh_token(client, accounts):
    user = accounts.register()
    body = accounts.login(user["email"])
    response = client.post("/api/auth/refresh", json={"refresh_token": body["access_token"]})
    assert response.status_code == 401
    assert response.get_json() == INVALID


def test_token_of_another_users_session_is_refused(client, accounts):
    """A session id is only good together with the user it belongs to."""
    _, token_a = accounts.token()
    user_b, _ = accounts.token()
    claims_a = pyjwt.decode(token_a, TEST_SECRET, algorithms=["HS256"])
    assert_refused(client, forge(claims_for(claims_a, sub=user_b["id"])))


def test_logged_out_token_is_refused(client, accounts):
    _, token = accounts.token()
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 200
    assert_refused(client, token)


def test_token_issued_before_a_password_change_is_refused(client, accounts):
    user, token = accounts.token()
    other_device = accounts.login(user["email"])["access_token"]
    response = client.post(
        "/api/auth/me/change-password",
        json={"current_password": PASSWORD, "new_password": "Una frase nueva y larga 3"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert_refused(client, token)
    assert_refused(client, other_device)
    assert client.get("/api/auth/me", headers=bearer(response.get_json()["access_token"])).status_code == 200


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
    from helpers import Accounts

    user = Accounts(client).register()
    token = Accounts(client).login(user["email"])["access_token"]
    claims = pyjwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 5 * 60
    assert claims["exp"] > time.time()


@pytest.mark.parametrize("overrides", [{"type": "id"}, {"type": 1}, {"type": [None]}, {"exp": None}])
def test_token_of_another_type_or_without_expiry_is_refused(client, real_claims, overrides):
    # Found by tests/test_properties.py: flask-jwt-extended took a token of any `type` but
    # "refresh" for an access token, and PyJWT accepts a token without `exp` (it never expires).
    # (claims_for drops a claim given as None. A token with no `type` at all is read as an access
    # token by flask-jwt-extended itself, before the service sees it.)
    assert_refused(client, forge(claims_for(real_claims, **overrides)))


def test_a_token_is_parsed_once_per_request_not_four_times(client, accounts, monkeypatch):
    """flask-jwt-extended alone parses it four times (unverified claims, unverified header, the
    verified decode, the header again for `get_jwt_header`); the service's manager drops the two
    unverified passes before verification and takes the header from the verification
    (sessions/jwt_manager.py)."""
    _, token = accounts.token()
    parses = []
    original = pyjwt.api_jws.PyJWS._load

    def counting_load(self, jwt):
        parses.append(jwt)
        return original(self, jwt)

    monkeypatch.setattr(pyjwt.api_jws.PyJWS, "_load", counting_load)
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert len(parses) == 1


def test_the_header_after_verification_is_the_librarys_parse(app, accounts):
    """`get_jwt_header` sees what PyJWT's own parse of the verified token gives, and another
    token in the same thread is parsed on its own."""
    from flask_jwt_extended import decode_token
    from flask_jwt_extended.view_decorators import get_unverified_jwt_headers as in_use

    _, first = accounts.token()
    _, second = accounts.token()
    with app.app_context():
        decode_token(first)
        assert in_use(first) == pyjwt.get_unverified_header(first)
        assert in_use(second) == pyjwt.get_unverified_header(second)
        with pytest.raises(pyjwt.DecodeError):
            in_use(first + "!")


def test_an_expired_token_still_reaches_the_library_callbacks_with_its_claims(app, real_claims):
    from flask_jwt_extended import decode_token

    past = datetime.now(UTC) - timedelta(hours=1)
    token = forge(claims_for(real_claims, iat=past, nbf=past, exp=past + timedelta(minutes=30)))
    with app.app_context():
        with pytest.raises(pyjwt.ExpiredSignatureError) as refused:
            decode_token(token)
        assert refused.value.jwt_header["alg"] == "HS256"
        assert refused.value.jwt_data["sub"] == real_claims["sub"]
        assert decode_token(token, allow_expired=True)["sid"] == real_claims["sid"]


def test_a_registered_key_callback_gets_the_library_path(app, client, accounts, monkeypatch):
    """The single-decode path assumes the one configured key; with a key callback, the library's
    own decoding (which hands the callback the unverified claims) runs instead."""
    from inventory_auth.sessions.jwt_manager import jwt as manager

    _, token = accounts.token()
    seen = []

    def key_for(header, claims):
        seen.append((header["alg"], claims["type"]))
        return TEST_SECRET

    monkeypatch.setattr(manager, "_decode_key_callback", key_for)
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert seen == [("HS256", "access")]


# The auth scheme is case-insensitive (RFC 7235, section 2.1); login answers "token_type": "bearer",
# and clients that build the header from it used to be refused.
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_in_any_case_is_accepted(client, accounts, scheme):
    _, token = accounts.token()
    headers = {"Authorization": f"{scheme} {token}"}
    response = client.get("/api/auth/me", headers=headers)
    assert response.status_code == 200
    assert client.post("/api/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_login_token_type_builds_a_working_header(client, accounts):
    user = accounts.register()
    body = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD}).get_json()
    headers = {"Authorization": f"{body['token_type']} {body['access_token']}"}
    assert client.get("/api/auth/me", headers=headers).status_code == 200


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT", "Bearerx", "xBearer", "bearer:"])
def test_other_schemes_with_a_valid_token_are_refused(client, accounts, scheme):
    _, token = accounts.token()
    response = client.get("/api/auth/me", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 401
    assert response.get_json() == INVALID
