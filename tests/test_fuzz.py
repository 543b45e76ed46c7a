"""Fuzzing from the service's own OpenAPI document (schemathesis), in CI.

Every operation of `/api/openapi.json` is called with requests generated from its schema, valid
ones and invalid ones (schemathesis' positive and negative modes, plus its coverage phase: boundary
values, missing fields, wrong types, unexpected methods). Every response must:

- not be a 5xx;
- have a status code the document lists for the operation;
- match the documented schema of that status (body, content type, documented headers).

Each operation is fuzzed twice: without a token, and with a valid bearer token of a real user of
the database (a student). The admin_general-only operations (/api/users and /api/audit-logs),
which answer a student 403, are fuzzed a third time with the token of an admin_general, so that
the generated queries and bodies reach the code behind the role check; the database holds a few
accounts and audit rows for them to list, search and change. In the authenticated runs every
generated request gets a token of a session opened just for it, because the operations under test
end sessions themselves (logout, logout-all, change-password): otherwise the first logout would
turn the rest of the run into a test of the 401 path. On top of the schemathesis checks: without a
token a protected operation must answer 401, and with a fresh valid token it must never answer 401
(so the authenticated run really gets past authentication).

The fuzzed app runs with the per-address rate limits off (`RATE_LIMITS_ENABLED=false`) and the
account lockout threshold out of reach (`LOCKOUT_THRESHOLD`): both would otherwise turn most
generated logins and registrations into 429s after a few examples and hide the code behind them.
Both are tested on their own (test_lockout.py, test_sessions.py). The example count is bounded
(`FUZZ_EXAMPLES`, default below) so that the module takes seconds per database; raise it
locally for a deeper run: `FUZZ_EXAMPLES=500 .venv/bin/pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import base64
import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inventory_auth import audit, create_app, sessions
from inventory_auth.accounts import create_user
from inventory_auth.audit import actions
from inventory_auth.extensions import db
from inventory_auth.models import User
from inventory_auth.web.openapi import BEARER_SCHEME

from helpers import PASSWORD, base_environ

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
FUZZ_ENVIRON = {"RATE_LIMITS_ENABLED": "false", "LOCKOUT_THRESHOLD": "1000000"}

# The document depends on the code only: read it from an app on a throwaway in-memory database.
# Each test then sends its requests to an app on the suite's real database (`fuzz_app`).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", create_app(environ=base_environ("sqlite://")))

fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI failures reproduce locally
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def needs_bearer(case) -> bool:
    return any(BEARER_SCHEME in scheme for scheme in case.operation.definition.raw.get("security", []))


def is_documented_method(case) -> bool:
    """False for the coverage phase's calls with methods the path does not serve (405)."""
    return case.method.upper() == case.operation.method.upper()


def drops_authorization(case) -> bool:
    """True for the coverage phase's cases that send the request without its `Authorization`
    header on purpose (whatever the test put in `case.headers`)."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    return getattr(data, "parameter", None) == "Authorization"


def without_authorization(case) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}


@pytest.fixture
def fuzz_app(make_app):
    return make_app(**FUZZ_ENVIRON)


@pytest.fixture
def seeded_user(fuzz_app):
    """A real student of the database, created as an administrator would."""
    with fuzz_app.app_context():
        user = create_user(
            email="fuzz.aprendiz@sena.edu.co",
            password=PASSWORD,
            first_name="Fuzz",
            last_name="Aprendiz",
            role="student",
        )
        db.session.commit()
        return user.id


def fresh_token(app, user_id) -> str:
    """An access token of a new session of the seeded user, whatever earlier examples did to
    its other sessions (logout, logout-all) or its password (change-password)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None and user.is_active
        token = sessions.start(user)["access_token"]
        db.session.commit()
        return token


@schema.parametrize()
@fuzz_settings
def test_fuzz_without_token(case, fuzz_app):
    without_authorization(case)
    response = case.call_and_validate(app=fuzz_app, checks=CHECKS)
    if needs_bearer(case) and is_documented_method(case):
        assert response.status_code == 401, f"{case.method} {case.path} answered {response.status_code}"


@pytest.fixture
def seeded_admin(fuzz_app):
    """An admin_general of the database, a few accounts for it to manage, and audit rows."""
    with fuzz_app.app_context():
        admin = create_user(
            email="fuzz.rectora@sena.edu.co", password=PASSWORD, first_name="Fuzz", last_name="Rectora",
            role="admin_general",
        )
        for n, role in enumerate(("student", "instructor", "admin_general")):
            create_user(email=f"fuzz.{n}@sena.edu.co", password=PASSWORD, first_name="Fuzz",
                        last_name=f"Cuenta {n}", role=role)
        for action in (actions.LOGIN, actions.LOGIN_FAILED, "create"):
            audit.record(action, actor_id=admin.id, entity_id=admin.id, new={"campo": "valor"})
        db.session.commit()
        return admin.id


@schema.include(path_regex="^/api/audit-logs").parametrize()
@fuzz_settings
def test_fuzz_admin_operations_with_an_admin_token(case, fuzz_app, seeded_admin):
    without_authorization(case)
    case.headers["Authorization"] = f"Bearer {fresh_token(fuzz_app, seeded_admin)}"
    response = case.call_and_validate(app=fuzz_app, checks=CHECKS)
    if is_documented_method(case):
        assert response.status_code in (200, 422), f"{case.method} {case.path}: {response.text}"


@schema.include(path_regex="^/api/users").parametrize()
@fuzz_settings
def test_fuzz_users_with_admin_general_token(case, fuzz_app, seeded_admin):
    without_authorization(case)
    case.headers["Authorization"] = f"Bearer {fresh_token(fuzz_app, seeded_admin)}"
    response = case.call_and_validate(app=fuzz_app, checks=CHECKS)
    if is_documented_method(case) and not drops_authorization(case):
        assert response.status_code not in (401, 403), (
            f"{case.method} {case.path} refused an admin_general: {response.text}"
        )


@schema.include(path_regex="^/api/auth/introspect").parametrize()
@fuzz_settings
def test_fuzz_introspection_with_a_service_credential(case, fuzz_app, seeded_user):
    without_authorization(case)
    with fuzz_app.app_context():
        from inventory_auth import service_clients

        client, secret = service_clients.create(f"fuzz-{uuid.uuid4().hex[:8]}")
        name = client.name
        db.session.commit()
    case.headers["Authorization"] = "Basic " + base64.b64encode(f"{name}:{secret}".encode()).decode()
    response = case.call_and_validate(app=fuzz_app, checks=CHECKS)
    if is_documented_method(case) and not drops_authorization(case):
        assert response.status_code != 401, f"introspection refused a service: {response.text}"


@schema.parametrize()
@fuzz_settings
def test_fuzz_with_valid_token(case, fuzz_app, seeded_user):
    without_authorization(case)
    case.headers["Authorization"] = f"Bearer {fresh_token(fuzz_app, seeded_user)}"
    response = case.call_and_validate(app=fuzz_app, checks=CHECKS)
    if needs_bearer(case) and is_documented_method(case) and not drops_authorization(case):
        assert response.status_code != 401, (
            f"{case.method} {case.path} refused a fresh valid token: {response.text}"
        )
