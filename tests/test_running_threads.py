"""The served worker runs few requests at once and many threads (inventory_auth/server/): a
login queued or hashing does not take a running place, so the rest of the service answers while a
class waits for its hashes. Through gunicorn, as deployed."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.request

import pytest
from conftest import empty_tables

from live_server import serve

PASSWORD = "Frase larga del almacén 2026 para medir"
LOGINS = 6


def post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a local test server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def one_place(database_url, tmp_path):
    """`one_place(threads, **settings)`: gunicorn, one worker of `threads` threads of which one
    takes requests; its base URL. The tables are emptied after the test."""

    @contextlib.contextmanager
    def serving(threads: int, **environ):
        with serve(database_url, tmp_path, GUNICORN_THREADS=str(threads), GUNICORN_RUNNING_THREADS="1",
                   **environ) as (base, _stdout):
            yield base

    try:
        yield serving
    finally:
        empty_tables(database_url)


@pytest.fixture
def one_running_place(one_place):
    """10 threads, one hashing slot with a queue of 8, the production hash (each login holds the
    slot for a real hash)."""
    with one_place(10, PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="8",
                   PASSWORD_HASH_METHOD="pbkdf2:sha256:600000") as base:
        yield base


@pytest.mark.slow
def test_the_service_answers_while_a_line_of_logins_waits_for_its_hashes(one_running_place):
    base = one_running_place
    emails = [f"aprendiz{n}@sena.edu.co" for n in range(LOGINS)]  # a class: one account each
    for email in emails:
        assert post(base + "/api/auth/register", {
            "email": email, "password": PASSWORD, "first_name": "Fila", "last_name": "Clase",
            "role": "student",
        }) == 201
    answered: list[tuple[float, int]] = []
    lock = threading.Lock()

    def login(email):
        status = post(base + "/api/auth/login", {"email": email, "password": PASSWORD})
        with lock:
            answered.append((time.monotonic(), status))

    logins = [threading.Thread(target=login, args=(email,)) for email in emails]
    for thread in logins:
        thread.start()
    time.sleep(0.1)  # the logins are in: one hashing, the others queued for the slot
    started = time.monotonic()
    with urllib.request.urlopen(base + "/api/health", timeout=30) as response:  # noqa: S310
        assert response.status == 200
    health_answered = time.monotonic()
    for thread in logins:
        thread.join(60)

    assert sorted(status for _, status in answered) == [200] * LOGINS
    # Had the queued logins held the one running place, the health check would have waited
    # behind every hash; it came before most of them, in a fraction of one.
    after = sum(1 for at, _ in answered if at > health_answered)
    assert after >= LOGINS // 2, (after, health_answered - started)
    assert health_answered - started < 0.5


@pytest.mark.slow
def test_a_silent_new_connection_does_not_hold_the_running_place(one_place):
    """gunicorn's thread waits up to 5 s for a new connection's first bytes; with one running
    place, a connection opened and left silent would stop the worker for those 5 s."""
    with one_place(4) as base:
        silent_connection_then_health(base)


def silent_connection_then_health(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as silent:
        time.sleep(0.2)  # taken by a thread, which now waits for its first bytes
        started = time.monotonic()
        with urllib.request.urlopen(base + "/api/health", timeout=30) as response:  # noqa: S310
            assert response.status == 200
        assert time.monotonic() - started < 2
        silent.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert silent.recv(64).startswith(b"HTTP/1.1 200")  # and it is still served when it speaks
