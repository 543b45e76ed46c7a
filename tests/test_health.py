"""Health checks: liveness never touches a dependency; readiness answers in time, whatever happens."""

import os
import socket
import time

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def closed_port() -> int:
    """A local port nobody listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word, like a hung database host."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def test_liveness(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_with_the_database(client):
    response = client.get("/api/health/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "not_configured"}}


@pytest.mark.skipif(not redis_available(), reason=f"no Redis at {REDIS_URL}")
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
