"""Health checks: liveness never touches a dependency; readiness answers in time, whatever happens."""

import json
import socket
import time

import pytest
from flask_migrate import upgrade

from fault.harness import free_port as closed_port  # a port nobody listens on
from inventory_auth import create_app
from inventory_auth.extensions import db

from helpers import TEST_REDIS_URL as REDIS_URL
from helpers import base_environ, redis_answers


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word, like a hung database host."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def test_liveness(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_with_the_database(client):
    response = client.get("/api/health/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "not_configured"}}


@pytest.mark.skipif(not redis_answers(), reason=f"no Redis answers at {REDIS_URL}")
def test_ready_with_redis(make_app):
    response = make_app(REDIS_URL=REDIS_URL).test_client().get("/api/health/ready")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_not_ready_when_redis_is_unreachable(make_app):
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0").test_client()
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    body = response.get_json()
    assert body["detail"].startswith("Servicio no disponible")
    assert body["errors"] == {"redis": ["Redis no responde"]}
    assert client.get("/api/health").status_code == 200


def test_not_ready_when_the_database_refuses_connections(make_app):
    client = make_app(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed_port()}/inventory").test_client()
    started = time.monotonic()
    response = client.get("/api/health/ready")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["errors"] == {"database": ["La base de datos no responde"]}
    assert elapsed < 1.0
    # The process itself is alive: the load balancer must not restart it for a database outage.
    assert client.get("/api/health").status_code == 200


def test_readiness_answers_by_its_deadline_when_the_database_hangs(make_app, silent_server):
    """libpq waits at least 2 s for a silent host; the readiness check does not."""
    client = make_app(
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{silent_server}/inventory",
        READINESS_TIMEOUT_SECONDS="0.5",
    ).test_client()
    for _ in range(2):  # the second call joins the probe still running instead of starting another
        started = time.monotonic()
        response = client.get("/api/health/ready")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.get_json()["errors"] == {"database": ["La base de datos no responde"]}
        assert 0.4 <= elapsed < 1.0


def test_default_deadline_is_about_a_second(make_app, silent_server):
    client = make_app(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{silent_server}/inventory").test_client()
    started = time.monotonic()
    assert client.get("/api/health/ready").status_code == 503
    assert 0.9 <= time.monotonic() - started < 1.5


# --- The schema: an unmigrated database is not ready -----------------------------------------

SCHEMA_NOT_CURRENT = (
    "La base de datos no tiene el esquema de esta versión del servicio: ejecute `flask db upgrade`"
)


def readiness_warnings(capsys) -> list[str]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [line["message"] for line in lines if line["logger"] == "inventory_auth.web.health.checks"]


def test_an_unmigrated_database_is_not_ready_and_the_log_says_what_to_run(fresh_database, capsys):
    app = create_app(environ=base_environ(fresh_database()))
    client = app.test_client()
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    assert response.get_json()["errors"] == {"database": [SCHEMA_NOT_CURRENT]}
    (warning,) = readiness_warnings(capsys)
    assert warning == ("readiness: the database has no schema yet (no inventory_auth_alembic_version table): "
                       "run `flask db upgrade`")

    with app.app_context():
        upgrade(revision="0007")
    assert client.get("/api/health/ready").status_code == 503
    (warning,) = readiness_warnings(capsys)
    assert warning.startswith("readiness: the database schema is at revision 0007, this release needs ")
    assert warning.endswith(": run `flask db upgrade`")

    with app.app_context():
        upgrade()
    response = client.get("/api/health/ready")
    assert (response.status_code, response.get_json()["checks"]["database"]) == (200, "ok")
    with app.app_context():
        db.engine.dispose()


def test_the_schema_is_read_until_it_is_right_then_no_more(app, monkeypatch):
    from inventory_auth.web.health import checks

    reads = []
    real = checks.schema_problem
    monkeypatch.setattr(checks, "schema_problem", lambda connection: reads.append(1) or real(connection))
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/health/ready").status_code == 200
    assert len(reads) == 1
