"""The shipped nginx site (deploy/nginx) in front of the real gunicorn: slow clients that hold
every gunicorn thread do not reach it through nginx, and nginx keeps the service's conventions.

The long version with figures is `python -m fault.slow_clients` (docs/reliability.md)."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from fault.harness import ROOT, call
from fault.slow_clients import LocalNginx, SlowClients, nginx_binary, probe_health, sqlite_service

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """gunicorn (1 worker × 4 threads, TRUSTED_PROXIES=1) and nginx in front of it."""
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian: apt-get install -y nginx)")
    with sqlite_service(tmp_path_factory.mktemp("slow_clients")) as service:
        service.migrate()
        service.start()
        with LocalNginx(f"127.0.0.1:{service.port}") as nginx:
            nginx.start()
            yield service, nginx


def test_slow_bodies_block_gunicorn_but_not_gunicorn_behind_nginx(served):
    service, nginx = served
    with SlowClients(service.port, 8):
        time.sleep(0.5)
        direct = probe_health(service.port, 2, timeout=1)
    assert [status for status, _ in direct] == [None, None]  # the attack is real

    with SlowClients(nginx.port, 8):
        time.sleep(0.5)
        proxied = probe_health(nginx.port, 5, timeout=2)
    assert [status for status, _ in proxied] == [200] * 5
    assert max(seconds for _, seconds in proxied) < 0.5


def test_behind_nginx_the_service_logs_the_real_client_not_a_forged_one(served):
    service, nginx = served
    answer = call(nginx.port, "GET", "/api/health", client="203.0.113.66")
    assert answer.status == 200
    request_id = answer.headers["X-Request-ID"]
    service.stdout.flush()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = (service.dir / "stdout.log").read_text().splitlines()
        entries = [json.loads(line) for line in lines if request_id in line]
        if entries:
            break
        time.sleep(0.1)
    assert entries and entries[0]["client"] == "127.0.0.1"
    assert answer.headers.get("Server") == "nginx"  # gunicorn's own is hidden, no version shown


def test_nginx_refuses_a_body_over_the_service_limit_in_the_service_format(served):
    _, nginx = served
    answer = call(nginx.port, "POST", "/api/auth/login", {"email": "a@sena.edu.co", "password": "x" * 70_000})
    assert answer.status == 413
    assert answer.body == {"detail": "El cuerpo de la solicitud es demasiado grande"}
    assert answer.headers["Content-Type"].startswith("application/json")


def test_compose_publishes_only_nginx_and_trusts_one_proxy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    published = sorted(name for name, service in compose.items() if service.get("ports"))
    assert published == ["proxy"]
    assert compose["auth"]["environment"]["TRUSTED_PROXIES"] == "1"
    mounted = [volume.split(":")[0] for volume in compose["proxy"]["volumes"]]
    assert "./deploy/nginx/inventory_auth.conf.template" in mounted
    # A sysctl that kernels before 5.14 lack would stop `docker compose up` there: it is optional.
    assert not any("sysctls" in service for service in compose.values())
    optional = yaml.safe_load((ROOT / "deploy" / "compose.tcp-migrate-req.yml").read_text())
    assert optional["services"]["auth"]["sysctls"] == {"net.ipv4.tcp_migrate_req": 1}


def raw(port: int, request: bytes) -> tuple[int, dict | str, str]:
    """Send bytes as they are; the status, the JSON body (or the text) and the Content-Type."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = body.decode(errors="replace")
    return int(lines[0].split()[1]), parsed, headers.get("Content-Type", "")


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


REFUSED_BEFORE_THE_APPLICATION = {
    # gunicorn's own limits, reached through nginx's larger buffers: answered by gunicorn in HTML,
    # replaced by nginx.
    "a 5,000-byte path (gunicorn's limit)": (get("/api/health?x=" + "a" * 5000), 414),
    "150 header fields (gunicorn's limit)": (get("/api/health", *(f"X-N{n}: v" for n in range(150))), 431),
    # nginx's own.
    "a 9,000-byte path (nginx's buffers)": (get("/api/health?x=" + "a" * 9000), 414),
    "a 9,000-byte header (nginx's buffers)": (get("/api/health", "X-Big: " + "b" * 9000), 431),
    "a malformed request line": (b"GARBAGE\r\n\r\n", 400),
    "a malformed header": (b"GET /api/health HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", 400),
}


@pytest.mark.parametrize("request_bytes, status", REFUSED_BEFORE_THE_APPLICATION.values(),
                         ids=REFUSED_BEFORE_THE_APPLICATION.keys())
def test_refusals_before_the_application_answer_in_the_service_format(served, request_bytes, status):
    service, nginx = served
    answered, body, content_type = raw(nginx.port, request_bytes)
    assert answered == status
    assert isinstance(body, dict) and set(body) == {"detail"}, body
    assert content_type.startswith("application/json")


def test_the_applications_own_400_passes_through_untouched(served):
    _, nginx = served
    answer = call(nginx.port, "POST", "/api/auth/password-reset/confirm",
                  {"token": "no-existe", "new_password": "Una frase nueva del almacén 4"})
    assert answer.status == 400
    assert answer.body == {"detail": "El enlace de restablecimiento no es válido o ha expirado"}
