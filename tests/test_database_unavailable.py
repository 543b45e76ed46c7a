"""The database unreachable: every endpoint that needs it answers the contract's 503, never a 500.

The app here points at a PostgreSQL port where nothing listens (connection refused at once), the
fast end of an outage; fault/db_outage.py stops a real server under load.
"""

from __future__ import annotations

import time
import uuid

import pytest
import schemathesis
import sqlalchemy as sa
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import exc as sa_exc

from fault.harness import free_port as closed_port  # a port nobody listens on
from inventory_auth import create_app
from inventory_auth.extensions import db
from inventory_auth.web.errors import database_unavailable
from inventory_auth.web.messages import HTTP_DETAILS

from helpers import PASSWORD, Accounts, base_environ, bearer, using_postgres

UNAVAILABLE = {"detail": HTTP_DETAILS[503]}



@pytest.fixture
def dead_app():
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/inventory_auth"
    return create_app(environ=base_environ(url, RATE_LIMITS_ENABLED="false"))


@pytest.fixture
def document(dead_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", dead_app)


def token_for(app) -> str:
    with app.app_context():
        return create_access_token(
            identity=str(uuid.uuid4()), additional_claims={"role": "student", "sid": str(uuid.uuid4())}
        )


def refresh_token_for(app) -> str:
    with app.app_context():
        return create_refresh_token(
            identity=str(uuid.uuid4()), additional_claims={"sid": str(uuid.uuid4()), "jti": str(uuid.uuid4())}
        )


def test_every_endpoint_answers_documented_503(dead_app, document):
    client = dead_app.test_client()
    auth = {"Authorization": f"Bearer {token_for(dead_app)}"}
    calls = [
        ("POST", "/api/auth/login", {"email": "ana@sena.edu.co", "password": PASSWORD}, {}),
        ("POST", "/api/auth/register", {"email": "ana@sena.edu.co", "password": PASSWORD,
                                        "first_name": "Ana", "last_name": "Pérez", "role": "student"}, {}),
        ("POST", "/api/auth/refresh", {"refresh_token": refresh_token_for(dead_app)}, {}),
        ("GET", "/api/auth/me", None, auth),
        ("PUT", "/api/auth/me", {"phone": "3001234567"}, auth),
        ("POST", "/api/auth/me/change-password",
         {"current_password": PASSWORD, "new_password": "Otra clave del inventario 8"}, auth),
        ("POST", "/api/auth/logout", None, auth),
        ("POST", "/api/auth/logout-all", None, auth),
    ]
    for method, path, body, headers in calls:
        started = time.monotonic()
        response = client.open(path, method=method, json=body, headers=headers)
        elapsed = time.monotonic() - started
        assert response.status_code == 503, (method, path, response.get_json())
        assert response.get_json() == UNAVAILABLE
        assert elapsed < 2.5, (method, path, elapsed)
        # The 503 is documented for the operation, with this shape.
        document[path][method].validate_response(response)


def test_readiness_says_which_dependency_is_down(dead_app):
    response = dead_app.test_client().get("/api/health/ready")
    assert response.status_code == 503
    assert response.get_json()["errors"] == {"database": ["La base de datos no responde"]}


def _dbapi_error(cls, **kwargs):
    return cls("SELECT 1", {}, Exception("server closed the connection unexpectedly"), **kwargs)


@pytest.mark.parametrize(
    "error, unavailable",
    [
        (_dbapi_error(sa_exc.OperationalError), True),
        (_dbapi_error(sa_exc.InterfaceError), True),
        (_dbapi_error(sa_exc.ProgrammingError, connection_invalidated=True), True),
        (sa_exc.TimeoutError("QueuePool limit of size 5 overflow 5 reached"), True),
        (_dbapi_error(sa_exc.IntegrityError), False),
        (_dbapi_error(sa_exc.ProgrammingError), False),
        (sa_exc.NoResultFound(), False),
    ],
)
def test_which_database_errors_mean_unavailable(error, unavailable):
    assert database_unavailable(error) is unavailable


def test_a_database_error_that_is_a_bug_stays_a_logged_500(make_app, caplog):
    app = make_app()

    @app.get("/api/boom-db")
    def boom():
        raise _dbapi_error(sa_exc.ProgrammingError)

    response = app.test_client().get("/api/boom-db")
    assert response.status_code == 500
    assert response.get_json() == {"detail": HTTP_DETAILS[500]}
    assert any(record.exc_info for record in caplog.records)


@pytest.mark.skipif(not using_postgres(), reason="terminates a PostgreSQL backend")
def test_a_connection_lost_under_the_token_check_is_a_503_then_recovers(make_app):
    """The token check reads through the DBAPI cursor (sessions/token_check.py): a server that
    went away under a pooled connection must still be a 503, and the pool must recover."""
    app = make_app(DATABASE_POOL_SIZE="1", DATABASE_MAX_OVERFLOW="0")
    client = app.test_client()
    _, token = Accounts(client).token()
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    with app.app_context(), db.engine.connect() as connection:
        pid = connection.connection.dbapi_connection.get_backend_pid()
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with killer.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 503
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
