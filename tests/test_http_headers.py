"""Security headers on every response, CORS as CORS_ORIGINS says, and no cookies."""

import flask
import pytest
from flask.sessions import NullSession

from inventory_auth import create_app
from inventory_auth.config import ConfigurationError

from helpers import PASSWORD, bearer


def test_security_headers_on_api_answers_and_errors(client, accounts):
    _, token = accounts.token()
    answers = [
        client.get("/api/auth/me", headers=bearer(token)),
        client.get("/api/auth/me"),
        client.post("/api/auth/login", json={"email": "x@sena.edu.co", "password": "y"}),
        client.post("/api/auth/login", data="no json", content_type="text/plain"),
        client.get("/api/no-existe"),
        client.delete("/api/auth/login"),
        client.get("/api/health/ready"),
    ]
    assert [answer.status_code for answer in answers] == [200, 401, 401, 415, 404, 405, 200]
    for answer in answers:
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert "Server" not in answer.headers


def test_login_answer_is_never_cached(client, accounts):
    user = accounts.register()
    response = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 200 and "access_token" in response.get_json()
    assert response.headers["Cache-Control"] == "no-store"


def test_documentation_page_policy(client):
    page = client.get("/api/docs")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy  # nothing from another origin
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_no_cors_by_default_in_production(client):
    response = client.options(
        "/api/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    response = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_development_allows_any_origin_without_credentials(make_app):
    client = make_app(APP_ENV="development").test_client()
    response = client.options(
        "/api/auth/me",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_listed_origins_only(make_app):
    client = make_app(CORS_ORIGINS="https://inventario.sena.edu.co, https://admin.sena.edu.co").test_client()
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"}
    allowed = client.options("/api/auth/login", headers={"Origin": "https://admin.sena.edu.co", **preflight})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.sena.edu.co"
    assert "Origin" in allowed.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    refused = client.options("/api/auth/login", headers={"Origin": "https://evil.example", **preflight})
    assert "Access-Control-Allow-Origin" not in refused.headers
    actual = client.post(
        "/api/auth/login",
        json={"email": "x@sena.edu.co", "password": "y"},
        headers={"Origin": "https://inventario.sena.edu.co"},
    )
    assert actual.status_code == 401
    assert actual.headers["Access-Control-Allow-Origin"] == "https://inventario.sena.edu.co"
    assert "X-Request-ID" in actual.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CORS_ORIGINS", "*, https://inventario.sena.edu.co"),
        ("TRUSTED_PROXIES", "-1"),
        ("TRUSTED_PROXIES", "dos"),
        ("LOG_LEVEL", "verbose"),
        ("READINESS_TIMEOUT_SECONDS", "0"),
        ("READINESS_TIMEOUT_SECONDS", "pronto"),
    ],
)
def test_bad_http_settings_refuse_to_start(tmp_path, name, value):
    with pytest.raises(ConfigurationError, match=name):
        create_app(environ={"APP_ENV": "development", "SECRET_KEY": "k" * 40, name: value,
                            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_no_cookie_session_is_ever_opened_or_sent(app, client, accounts):
    _, token = accounts.token()
    for response in (
        client.get("/api/auth/me", headers=bearer(token)),
        client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "x" * 10}),
        client.get("/api/health"),
    ):
        assert "Set-Cookie" not in response.headers
    with app.test_request_context("/api/auth/me"):
        assert isinstance(flask.session, NullSession)
        with pytest.raises(RuntimeError):
            flask.session["user"] = "someone"


@pytest.mark.parametrize("start", [
    [],
    [("Content-Type", "application/json"), ("Content-Length", "2")],
    [("cache-control", "max-age=300"), ("Server", "x"), ("X-Frame-Options", "SAMEORIGIN"),
     ("x-frame-options", "ALLOW"), ("Vary", "Origin")],
])
def test_security_headers_land_as_setting_them_one_by_one_would(start):
    from werkzeug.datastructures import Headers

    from inventory_auth.web.headers import ALWAYS, _set_all

    wanted = {**ALWAYS, "Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-store"}
    ours, theirs = Headers(start), Headers(start)
    _set_all(ours, wanted)
    for name, value in wanted.items():
        theirs[name] = value
    theirs.pop("Server", None)
    assert list(ours.items()) == list(theirs.items())
