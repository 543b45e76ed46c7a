"""The service's `verify_jwt_in_request` (jwt_manager.py) ends every request as flask-jwt-extended's
own function does: the same claims, header, user and location in `g`, or the same refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
from flask import g
from flask_jwt_extended import view_decorators

from inventory_auth.sessions import jwt_manager

from helpers import TEST_SECRET, bearer, legacy_token

G_ENTRIES = ("_jwt_extended_jwt_user", "_jwt_extended_jwt_header", "_jwt_extended_jwt",
             "_jwt_extended_jwt_location")


def outcome(app, verify, headers, method="GET"):
    with app.test_request_context("/api/auth/me", method=method, headers=headers):
        try:
            answer = verify()
        except Exception as error:  # noqa: BLE001  (the refusal is what is compared)
            return ("refused", type(error), str(error))
        return ("verified", answer, {name: g.get(name) for name in G_ENTRIES})


def forged(claims, **overrides):
    now = datetime.now(UTC)
    body = {**claims, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
            "exp": now + timedelta(minutes=5), **overrides}
    return pyjwt.encode({k: v for k, v in body.items() if v is not None}, TEST_SECRET, algorithm="HS256")


@pytest.fixture
def tokens(app, client, accounts):
    user, access = accounts.token()
    claims = pyjwt.decode(access, TEST_SECRET, algorithms=["HS256"])
    login = accounts.login(user["email"])
    _, ended = accounts.token()
    assert client.post("/api/auth/logout", headers=bearer(ended)).status_code == 200
    return {
        "valid": access,
        "refresh": login["refresh_token"],
        "ended session": ended,
        "expired": forged(claims, exp=datetime.now(UTC) - timedelta(minutes=5)),
        "expired within the leeway": forged(claims, exp=datetime.now(UTC) - timedelta(seconds=1)),
        "not yet valid": forged(claims, nbf=datetime.now(UTC) + timedelta(minutes=5)),
        "no type": forged(claims, type=None),
        "no sub": forged(claims, sub=None),
        "another role": forged(claims, role="admin_general"),
        "unknown user": forged(claims, sub=str(uuid.uuid4())),
        "bad signature": access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB"),
        "none algorithm": pyjwt.encode({**claims}, None, algorithm="none"),
        "legacy": legacy_token(claims["sub"], claims["role"]),
        "garbage": "abc.def.ghi",
    }


HEADER_FORMS = {
    "plain": "Bearer {}",
    "lower-case scheme": "bearer {}",
    "two spaces": "Bearer  {}",
    "trailing space": "Bearer {} ",
    "trailing comma": "Bearer {},",
    "among other credentials": "Basic dXNlcjpwYXNz, Bearer {}",
    "no scheme": "{}",
}


@pytest.mark.parametrize("form", HEADER_FORMS)
def test_every_token_in_every_header_form_ends_as_with_the_library(app, tokens, form):
    library = jwt_manager._library_verify_jwt_in_request
    for name, token in tokens.items():
        headers = {"Authorization": HEADER_FORMS[form].format(token)}
        ours = outcome(app, jwt_manager.verify_jwt_in_request, headers)
        theirs = outcome(app, library, headers)
        assert ours == theirs, name


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"X-Other": "Bearer x"}])
def test_no_token_ends_as_with_the_library(app, headers):
    ours = outcome(app, jwt_manager.verify_jwt_in_request, headers)
    assert ours == outcome(app, jwt_manager._library_verify_jwt_in_request, headers)
    assert ours[0] == "refused"


def test_optional_and_options_requests_go_through_the_library(app, tokens, monkeypatch):
    calls = []
    library = jwt_manager._library_verify_jwt_in_request
    monkeypatch.setattr(jwt_manager, "_library_verify_jwt_in_request",
                        lambda *args: calls.append(args) or library(*args))
    headers = {"Authorization": f"Bearer {tokens['valid']}"}
    with app.test_request_context("/api/auth/me", headers=headers):
        assert jwt_manager.verify_jwt_in_request(optional=True) is not None
    outcome(app, jwt_manager.verify_jwt_in_request, headers, method="OPTIONS")
    assert len(calls) == 2
    outcome(app, jwt_manager.verify_jwt_in_request, headers)
    assert len(calls) == 2  # the plain bearer header of a GET: the service's own steps


def test_jwt_required_runs_the_services_verification(app):
    assert view_decorators.verify_jwt_in_request is jwt_manager.verify_jwt_in_request


@pytest.mark.parametrize("config", [
    {},
    {"JWT_DECODE_LEEWAY": 7, "JWT_DECODE_AUDIENCE": ["a", "b"], "JWT_DECODE_ISSUER": "emisor",
     "JWT_IDENTITY_CLAIM": "uid", "JWT_VERIFY_SUB": False},
    {"JWT_DECODE_ALGORITHMS": ["HS512"]},
    {"JWT_DECODE_ALGORITHMS": ["HS256", "HS512"], "JWT_SECRET_KEY": "otra-clave-" * 4},
])
def test_the_decode_settings_are_flask_jwt_extendeds(make_app, config):
    from flask_jwt_extended.config import config as library

    app = make_app(config=config)
    with app.app_context():
        ours = jwt_manager._decode_settings("a.b.c")
        theirs = {
            "algorithms": library.decode_algorithms, "audience": library.decode_audience,
            "identity_claim_key": library.identity_claim_key, "issuer": library.decode_issuer,
            "leeway": library.leeway, "secret": library.decode_key,
            "verify_aud": library.decode_audience is not None, "verify_sub": library.verify_sub,
        }
    assert ours == theirs
