"""Password reset mail: delivered through a real SMTP server, never on the request path.

The reset endpoints come later; here a small view calls `mail.send_password_reset` the way they
will, so the request id, timing and logs are those of a real request.
"""

import json
import os
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from flask import jsonify, request

from inventory_auth import mail
from inventory_auth.mail.message import lifetime_in_words

from helpers import change_settings
from smtp_server import start_smtp_server

ROOT = Path(__file__).resolve().parent.parent
SENDER = "Inventario SENA <no-reply@sena.edu.co>"
RESET_URL = "https://inventario.sena.edu.co/restablecer?token={token}"
TOKEN = "Zm9vYmFy-abc_123"


@pytest.fixture
def mail_app(make_app):
    """An app with a view that queues a reset message, as the reset flow will."""
    made = []

    def make(**environ):
        environ.setdefault("MAIL_DEFAULT_SENDER", SENDER)
        environ.setdefault("PASSWORD_RESET_URL", RESET_URL)
        app = make_app(**environ)

        @app.post("/test/send-reset")
        def send_reset():
            body = request.get_json()
            started = time.perf_counter()
            queued = mail.send_password_reset(body["email"], body["token"])
            return jsonify(queued=queued, seconds=time.perf_counter() - started), 202

        made.append(app)
        return app

    yield make
    for app in made:
        mail.outbox(app).close(0)


def request_reset(app, email="ana@sena.edu.co", token=TOKEN, request_id=None):
    headers = {"X-Request-ID": request_id} if request_id else {}
    started = time.perf_counter()
    response = app.test_client().post(
        "/test/send-reset", json={"email": email, "token": token}, headers=headers
    )
    assert response.status_code == 202
    return response, time.perf_counter() - started


def mail_lines(output: str) -> list[dict]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "inventory_auth.mail"]


def test_the_reset_message_reaches_the_smtp_server(mail_app, smtp_server, capsys):
    app = mail_app(**smtp_server.environ)
    request_reset(app, email="ana@sena.edu.co", request_id="req-entrega-1")
    (message,) = smtp_server.wait_for(1)
    assert message["From"] == SENDER
    assert message["To"] == "ana@sena.edu.co"
    # Flask-Mailman folds the encoded subject onto a continuation line; unfolded, it is this.
    assert message["Subject"].strip() == "Restablecer su contraseña del sistema de inventario del SENA"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert smtp_server.envelopes[0].rcpt_tos == ["ana@sena.edu.co"]
    body = message.get_content()
    assert f"https://inventario.sena.edu.co/restablecer?token={TOKEN}" in body
    assert "sistema de inventario del SENA" in body
    assert "vence en 30 minutos" in body
    assert "Si usted no pidió restablecer su contraseña, ignore este mensaje" in body
    assert mail.outbox(app).flush(5)
    (sent,) = mail_lines(capsys.readouterr().out)
    assert (sent["message"], sent["level"], sent["request_id"]) == ("mail sent", "INFO", "req-entrega-1")
    assert TOKEN not in json.dumps(sent) and "ana@" not in json.dumps(sent)


def test_the_link_lifetime_follows_the_setting(mail_app, smtp_server):
    app = mail_app(**smtp_server.environ, PASSWORD_RESET_EXPIRE="120")
    request_reset(app)
    (message,) = smtp_server.wait_for(1)
    assert "vence en 2 horas" in message.get_content()


@pytest.mark.parametrize(("minutes", "words"), [
    (1, "1 minuto"), (30, "30 minutos"), (60, "1 hora"), (90, "90 minutos"), (180, "3 horas"),
])
def test_lifetime_in_spanish(minutes, words):
    assert lifetime_in_words(minutes) == words


def test_a_token_is_quoted_into_the_link(mail_app):
    app = mail_app()
    with app.app_context():
        assert mail.reset_link("a b/c") == "https://inventario.sena.edu.co/restablecer?token=a%20b%2Fc"


def test_a_slow_server_neither_slows_the_request_nor_reaches_it(mail_app, smtp_server, capsys):
    smtp_server.delay = 3
    app = mail_app(**smtp_server.environ, MAIL_TIMEOUT_SECONDS="0.5")
    response, seconds = request_reset(app, request_id="req-lento-1")
    assert response.get_json()["queued"] is True
    assert seconds < 0.3
    assert mail.outbox(app).flush(5)
    (failed,) = mail_lines(capsys.readouterr().out)
    assert failed["level"] == "ERROR"
    assert failed["message"].startswith("mail not sent: ")
    assert failed["error"] in ("TimeoutError", "SMTPServerDisconnected")
    assert failed["request_id"] == "req-lento-1"
    assert 400 <= failed["duration_ms"] < 2500


def test_a_refused_connection_is_logged_with_the_request_id(mail_app, closed_port, capsys):
    app = mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(closed_port))
    response, seconds = request_reset(app, request_id="req-cerrado-1")
    assert seconds < 0.3
    assert mail.outbox(app).flush(5)
    (failed,) = mail_lines(capsys.readouterr().out)
    assert (failed["level"], failed["error"]) == ("ERROR", "ConnectionRefusedError")
    assert failed["request_id"] == "req-cerrado-1"
    assert response.headers["X-Request-ID"] == "req-cerrado-1"


def test_the_sender_keeps_going_after_a_failure(mail_app, smtp_server, closed_port):
    app = mail_app(**smtp_server.environ)
    request_reset(app, email="uno@sena.edu.co")
    smtp_server.wait_for(1)
    with app.app_context():  # the server goes away for one message, then comes back
        change_settings(app, MAIL_PORT=closed_port)
        mail.send_password_reset("perdido@sena.edu.co", TOKEN)
        assert mail.outbox(app).flush(5)
        change_settings(app, MAIL_PORT=smtp_server.port)
    request_reset(app, email="dos@sena.edu.co")
    assert [m["To"] for m in smtp_server.wait_for(2)] == ["uno@sena.edu.co", "dos@sena.edu.co"]


def test_development_without_a_server_writes_the_message_to_the_log(mail_app, capsys):
    app = mail_app(APP_ENV="development")
    request_reset(app, email="ana@sena.edu.co", request_id="req-dev-1")
    assert mail.outbox(app).flush(5)
    (line,) = mail_lines(capsys.readouterr().out)
    assert line["level"] == "WARNING"
    assert line["message"].startswith("mail not sent (no MAIL_SERVER): To: ana@sena.edu.co\n")
    assert f"https://inventario.sena.edu.co/restablecer?token={TOKEN}" in line["message"]
    assert "vence en 30 minutos" in line["message"]
    assert line["request_id"] == "req-dev-1"


def test_production_without_a_server_never_logs_the_message(mail_app, capsys):
    app = mail_app(APP_ENV="production", SECRET_KEY="s" * 48)
    request_reset(app, email="ana@sena.edu.co", request_id="req-prod-1")
    assert mail.outbox(app).flush(5)
    output = capsys.readouterr().out
    (line,) = [line for line in mail_lines(output) if line.get("request_id") == "req-prod-1"]
    assert line["level"] == "ERROR"
    assert line["message"] == "mail not sent (no MAIL_SERVER): password_reset message dropped"
    assert TOKEN not in output and "ana@sena.edu.co" not in output


def test_a_full_outbox_drops_the_new_message_with_an_error(mail_app, smtp_server, capsys):
    smtp_server.delay = 0.5
    app = mail_app(**smtp_server.environ, MAIL_OUTBOX_SIZE="2")
    outbox = mail.outbox(app)
    request_reset(app, email="primero@sena.edu.co")
    deadline = time.monotonic() + 5
    while outbox.waiting() and time.monotonic() < deadline:  # the sender has taken it
        time.sleep(0.01)
    results = [
        request_reset(app, email=f"cola{n}@sena.edu.co", request_id=f"req-cola-{n}")[0].get_json()
        for n in range(3)
    ]
    assert [r["queued"] for r in results] == [True, True, False]
    assert all(r["seconds"] < 0.25 for r in results)
    assert outbox.flush(10)
    assert sorted(m["To"] for m in smtp_server.wait_for(3)) == [
        "cola0@sena.edu.co", "cola1@sena.edu.co", "primero@sena.edu.co",
    ]
    (dropped,) = [line for line in mail_lines(capsys.readouterr().out) if line["level"] == "ERROR"]
    assert "outbox is full" in dropped["message"]
    assert dropped["request_id"] == "req-cola-2"


def test_closing_sends_what_is_queued(mail_app, smtp_server):
    app = mail_app(**smtp_server.environ)
    for n in range(3):
        request_reset(app, email=f"cierre{n}@sena.edu.co")
    assert mail.outbox(app).close(5) == 0
    assert len(smtp_server.messages) == 3


def test_closing_is_bounded_and_logs_what_is_lost(mail_app, smtp_server, capsys):
    smtp_server.delay = 3
    app = mail_app(**smtp_server.environ)
    for n in range(3):
        request_reset(app, email=f"tarde{n}@sena.edu.co", request_id=f"req-tarde-{n}")
    started = time.perf_counter()
    assert mail.outbox(app).close(0.5) == 3
    assert time.perf_counter() - started < 1.5  # the server would take 3 s per message
    lost = [line for line in mail_lines(capsys.readouterr().out) if "message lost" in line["message"]]
    assert sorted(line["request_id"] for line in lost) == ["req-tarde-0", "req-tarde-1", "req-tarde-2"]
    assert not request_reset(app)[0].get_json()["queued"]  # closed: nothing more is taken



def test_a_message_waiting_for_its_slot_when_closing_gives_up_is_lost_not_sent(
    mail_app, smtp_server, capsys
):
    app = mail_app(**smtp_server.environ, MAIL_SEND_RATE="1")  # one message a second
    for n in range(2):
        request_reset(app, email=f"ritmo{n}@sena.edu.co", request_id=f"req-ritmo-{n}")
    assert mail.outbox(app).flush(0.3) is False  # the second waits for its slot
    assert mail.outbox(app).close(0.1) == 1
    time.sleep(1.2)  # past the slot it waited for
    assert len(smtp_server.messages) == 1
    second = [line for line in mail_lines(capsys.readouterr().out) if line["request_id"] == "req-ritmo-1"]
    assert len(second) == 1 and "message lost" in second[0]["message"], second


EXITING_PROCESS = """
    import sys, time
    sys.path.insert(0, {root!r})
    from inventory_auth import create_app, mail
    app = create_app(environ={environ!r})
    with app.app_context():
        for n in range(2):
            mail.send_password_reset(f"salida{{n}}@sena.edu.co", "token")
    print("exiting at", time.time(), flush=True)
"""


def test_a_process_that_exits_waits_a_bounded_time_and_logs_the_rest(smtp_server, tmp_path):
    smtp_server.delay = 10
    environ = {
        "APP_ENV": "testing", "SECRET_KEY": "s" * 48,
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
        "MAIL_SHUTDOWN_SECONDS": "1", "MAIL_TIMEOUT_SECONDS": "30",
        **smtp_server.environ,
    }
    script = textwrap.dedent(EXITING_PROCESS.format(root=str(ROOT), environ=environ))
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    ended = time.time()
    exiting_at = float(finished.stdout.split("exiting at ")[1].split()[0])
    assert ended - exiting_at < 4  # 1 s to drain, then the interpreter ends (the server: 10 s)
    lost = [line for line in mail_lines(finished.stdout) if "message lost" in line["message"]]
    assert len(lost) == 2


def test_a_forked_worker_sends_through_its_own_thread(mail_app, smtp_server):
    app = mail_app(**smtp_server.environ)
    request_reset(app, email="maestro@sena.edu.co")  # the sender thread now runs in this process
    smtp_server.wait_for(1)
    pid = os.fork()
    if pid == 0:  # the worker: a thread of the parent does not exist here
        code = 1
        try:
            with app.app_context():
                mail.send_password_reset("trabajador@sena.edu.co", TOKEN)
                code = 0 if mail.outbox(app).flush(5) else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + 10
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if not done:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert done and os.waitstatus_to_exitcode(status) == 0
    assert [m["To"] for m in smtp_server.wait_for(2)] == ["maestro@sena.edu.co", "trabajador@sena.edu.co"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=30,
        )
    except FileNotFoundError:
        pytest.skip("openssl is not installed")
    return cert, key


def tls_server(certificate, **options):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if options.pop("implicit", False):
        return start_smtp_server(ssl_context=context, **options)
    return start_smtp_server(tls_context=context, require_starttls=True, **options)


def test_starttls_delivers_to_a_server_with_a_trusted_certificate(mail_app, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test certificate
    server = tls_server(certificate)
    try:
        app = mail_app(**server.environ, MAIL_USE_TLS="true")
        request_reset(app)
        (message,) = server.wait_for(1)
        assert message["To"] == "ana@sena.edu.co"
    finally:
        server.controller.stop()


def test_starttls_refuses_a_certificate_it_cannot_verify(mail_app, certificate, capsys):
    server = tls_server(certificate)
    try:
        app = mail_app(**server.environ, MAIL_USE_TLS="true")
        request_reset(app, request_id="req-tls-1")
        assert mail.outbox(app).flush(5)
        (failed,) = mail_lines(capsys.readouterr().out)
        assert failed["error"] == "SSLCertVerificationError"
        assert failed["request_id"] == "req-tls-1"
        assert server.messages == []
    finally:
        server.controller.stop()


def test_a_server_that_requires_starttls_refuses_plain_smtp(mail_app, certificate, capsys):
    server = tls_server(certificate)
    try:
        app = mail_app(**server.environ)  # MAIL_USE_TLS not set
        request_reset(app)
        assert mail.outbox(app).flush(5)
        (failed,) = mail_lines(capsys.readouterr().out)
        assert failed["level"] == "ERROR" and failed["message"].startswith("mail not sent: ")
        assert server.messages == []
    finally:
        server.controller.stop()


def test_implicit_tls_delivers_to_a_server_with_a_trusted_certificate(mail_app, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    server = tls_server(certificate, implicit=True)
    try:
        app = mail_app(**server.environ, MAIL_USE_SSL="true")
        request_reset(app)
        (message,) = server.wait_for(1)
        assert message["To"] == "ana@sena.edu.co"
    finally:
        server.controller.stop()
