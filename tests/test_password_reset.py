"""Password reset by email, through HTTP, with a real SMTP server (aiosmtpd) in the test process.

The token is read from the message the server received, as a user would read it from the mail.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from inventory_auth import mail
from inventory_auth.accounts import password_reset
from inventory_auth.extensions import db
from inventory_auth.models import AuditLog, PasswordResetToken
from inventory_auth.models.types import utcnow

from helpers import PASSWORD, Accounts, bearer, using_postgres, without_target

REQUEST = "/api/auth/password-reset/request"
CONFIRM = "/api/auth/password-reset/confirm"
RESET_URL = "https://inventario.sena.edu.co/restablecer?token={token}"
REQUESTED = {"message": "Si el correo está registrado, recibirá un enlace para restablecer la contraseña"}
DONE = {"message": "Contraseña restablecida exitosamente"}
INVALID = {"detail": "El enlace de restablecimiento no es válido o ha expirado"}
NEW_PASSWORD = "Nueva frase para el almacén 31"
TOKEN_IN_LINK = re.compile(r"https://inventario\.sena\.edu\.co/restablecer\?token=(\S+)")


@pytest.fixture
def reset_app(make_app, smtp_server):
    """An app that sends mail to the test's SMTP server; the per-address limit out of the way
    (tested on its own below)."""
    made = []

    def make(**environ):
        settings = {
            **smtp_server.environ,
            "PASSWORD_RESET_URL": RESET_URL,
            "PASSWORD_RESET_RATE_LIMIT": "1000 per minute",
            **environ,
        }
        app = make_app(**settings)
        made.append(app)
        return app

    yield make
    for app in made:
        mail.outbox(app).close(0)


def ask(client, email, address="10.9.0.1", **headers):
    return client.post(REQUEST, json={"email": email}, environ_base={"REMOTE_ADDR": address},
                       headers=headers)


def confirm(client, token, password=NEW_PASSWORD):
    return client.post(CONFIRM, json={"token": token, "new_password": password})


def token_of(message) -> str:
    return unquote(TOKEN_IN_LINK.search(message.get_content()).group(1))


def requested_token(client, smtp_server, email) -> str:
    """Ask for a reset of `email` and read the token from the message the server got."""
    before = len(smtp_server.messages)
    response = ask(client, email)
    assert (response.status_code, response.get_json()) == (202, REQUESTED)
    message = smtp_server.wait_for(before + 1)[before]
    assert message["To"] == email
    return token_of(message)


def audit_rows(app, action):
    with app.app_context():
        found = db.session.scalars(
            sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.created_at, AuditLog.id)
        ).all()
        db.session.expunge_all()
        return found


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"})


def test_the_whole_flow_through_a_real_smtp_server(reset_app, smtp_server):
    app = reset_app(LOCKOUT_THRESHOLD="3")
    client = app.test_client()
    accounts = Accounts(client)
    user = accounts.register(email="ana@sena.edu.co")
    first = accounts.login(user["email"])
    second = accounts.login(user["email"])
    for _ in range(3):  # and the account is locked out
        assert login(client, user["email"], "no es la clave 1").status_code == 401
    assert login(client, user["email"], PASSWORD).status_code == 429

    token = requested_token(client, smtp_server, "ana@sena.edu.co")
    assert len(token) >= 43
    response = confirm(client, token)
    assert (response.status_code, response.get_json()) == (200, DONE)

    assert login(client, user["email"], PASSWORD).status_code == 401  # the old password
    assert login(client, user["email"], NEW_PASSWORD).status_code == 200  # lockout cleared
    for old in (first, second):  # every earlier session has ended
        assert client.get("/api/auth/me", headers=bearer(old["access_token"])).status_code == 401
        refreshed = client.post("/api/auth/refresh", json={"refresh_token": old["refresh_token"]})
        assert refreshed.status_code == 401

    again = confirm(client, token, "Otra frase distinta del almacén 7")
    assert (again.status_code, again.get_json()) == (400, INVALID)
    assert login(client, user["email"], NEW_PASSWORD).status_code == 200

    [requested] = audit_rows(app, "password_reset_requested")
    assert str(requested.entity_id) == user["id"] and requested.new_values == {"outcome": "sent"}
    assert requested.user_id is None and requested.ip_address == "10.9.0.1"
    [done] = audit_rows(app, "password_reset")
    assert str(done.entity_id) == user["id"] and str(done.user_id) == user["id"]
    for row in audit_rows(app, "password_reset_requested") + [done]:
        assert token not in json.dumps([row.old_values, row.new_values])


def test_only_a_digest_of_the_token_is_stored(reset_app, smtp_server, create_user):
    app = reset_app()
    user = create_user()
    token = requested_token(app.test_client(), smtp_server, user["email"])
    with app.app_context():
        [row] = db.session.scalars(sa.select(PasswordResetToken)).all()
        stored = db.session.execute(sa.text("SELECT * FROM password_reset_tokens")).one()
    assert row.token_hash == password_reset.token_digest(token) != token
    assert token not in json.dumps([str(value) for value in stored])
    assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=30)


def test_an_expired_link_is_refused(reset_app, smtp_server, create_user, monkeypatch):
    app = reset_app(PASSWORD_RESET_EXPIRE="5")
    user = create_user()
    client = app.test_client()
    token = requested_token(client, smtp_server, user["email"])
    assert "vence en 5 minutos" in smtp_server.messages[-1].get_content()
    later = utcnow() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(password_reset, "utcnow", lambda: later)
    response = confirm(client, token)
    assert (response.status_code, response.get_json()) == (400, INVALID)
    assert login(client, user["email"], PASSWORD).status_code == 200


def test_a_newer_request_supersedes_the_older_link(reset_app, smtp_server, create_user):
    app = reset_app()
    user = create_user()
    client = app.test_client()
    older = requested_token(client, smtp_server, user["email"])
    newer = requested_token(client, smtp_server, user["email"])
    assert older != newer
    assert confirm(client, older).get_json() == INVALID
    assert confirm(client, newer).get_json() == DONE


def test_a_link_of_a_user_deactivated_since_is_refused(reset_app, smtp_server, create_user):
    app = reset_app()
    user = create_user()
    client = app.test_client()
    token = requested_token(client, smtp_server, user["email"])
    assert app.test_cli_runner().invoke(args=["users", "deactivate", user["email"]]).exit_code == 0
    response = confirm(client, token)
    assert (response.status_code, response.get_json()) == (400, INVALID)
    assert app.test_cli_runner().invoke(args=["users", "activate", user["email"]]).exit_code == 0
    assert login(client, user["email"], PASSWORD).status_code == 200  # nothing was changed


@pytest.mark.parametrize("token", ["", "x" * 257, "x" * 50_000, "no-existe", "\ud800" * 3, 42, None])
def test_bad_and_unknown_tokens_never_reach_a_500(client, token):
    response = client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
    if token == "no-existe":
        assert (response.status_code, response.get_json()) == (400, INVALID)
    else:
        assert response.status_code in (400, 413, 422), response.get_json()
        assert "detail" in response.get_json()


def test_a_huge_token_is_a_validation_error(client):
    response = client.post(CONFIRM, json={"token": "a" * 20_000, "new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"token": ["Debe tener entre 1 y 256 caracteres."]}


@pytest.mark.parametrize("email", ["no-es-correo", "", "a@", None, 7, "a" * 300 + "@sena.edu.co"])
def test_a_request_without_an_email_is_a_validation_error(client, email):
    response = client.post(REQUEST, json={"email": email})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["email"]


def test_unknown_fields_are_refused(client):
    assert client.post(REQUEST, json={"email": "a@sena.edu.co", "role": "admin"}).status_code == 422
    extra = {"token": "t", "new_password": NEW_PASSWORD, "email": "x"}
    assert client.post(CONFIRM, json=extra).status_code == 422


def test_a_weak_password_changes_nothing_and_the_link_still_works(reset_app, smtp_server, create_user):
    app = reset_app()
    user = create_user()
    client = app.test_client()
    session = login(client, user["email"], PASSWORD).get_json()
    token = requested_token(client, smtp_server, user["email"])
    for weak in ("password123", "corta"):
        response = confirm(client, token, weak)
        assert response.status_code == 422
        assert list(response.get_json()["errors"]) == ["new_password"]
    assert client.get("/api/auth/me", headers=bearer(session["access_token"])).status_code == 200
    assert login(client, user["email"], PASSWORD).status_code == 200
    assert audit_rows(app, "password_reset") == []
    assert confirm(client, token).get_json() == DONE


def test_every_email_gets_the_same_status_and_body(reset_app, smtp_server, create_user):
    app = reset_app()
    active = create_user()
    inactive = create_user(is_active=False)
    client = app.test_client()
    answers = [ask(client, email) for email in (active["email"], inactive["email"], "nadie@sena.edu.co",
                                                active["email"].upper())]
    assert {(r.status_code, json.dumps(r.get_json())) for r in answers} == {(202, json.dumps(REQUESTED))}
    headers = {tuple(sorted((k, v) for k, v in r.headers if k != "X-Request-ID")) for r in answers}
    assert len(headers) == 1
    assert mail.outbox(app).flush(5)
    assert [m["To"] for m in smtp_server.wait_for(2)] == [active["email"], active["email"]]
    outcomes = [(str(row.entity_id) if row.entity_id else None, row.new_values["outcome"])
                for row in audit_rows(app, "password_reset_requested")]
    assert outcomes == [(active["id"], "sent"), (inactive["id"], "inactive"), (None, "unknown_email"),
                        (active["id"], "sent")]


def test_the_per_address_limit_answers_429_with_retry_after(reset_app):
    app = reset_app(PASSWORD_RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [ask(client, f"nadie{n}@sena.edu.co", address="10.9.1.1").status_code for n in range(3)]
    assert statuses == [202, 202, 429]
    refused = ask(client, "otro@sena.edu.co", address="10.9.1.1")
    assert refused.get_json() == {"detail": "Demasiadas solicitudes; intente de nuevo más tarde"}
    assert 0 < int(refused.headers["Retry-After"]) <= 61
    assert ask(client, "nadie@sena.edu.co", address="10.9.1.2").status_code == 202  # another address


def test_the_per_account_limit_skips_the_mail_silently(reset_app, smtp_server, create_user):
    app = reset_app(PASSWORD_RESET_ACCOUNT_LIMIT="2 per hour")
    user = create_user()
    client = app.test_client()
    answers = [ask(client, user["email"], address=f"10.9.2.{n}") for n in range(4)]
    assert {(r.status_code, json.dumps(r.get_json())) for r in answers} == {(202, json.dumps(REQUESTED))}
    assert mail.outbox(app).flush(5)
    time.sleep(0.2)
    assert len(smtp_server.wait_for(2)) == 2
    outcomes = [row.new_values["outcome"] for row in audit_rows(app, "password_reset_requested")]
    assert outcomes == ["sent", "sent", "account_limit", "account_limit"]
    # The last link sent still works: a refused request supersedes nothing.
    assert confirm(client, token_of(smtp_server.messages[1])).get_json() == DONE


def test_the_account_limit_window_slides(reset_app, smtp_server, create_user, monkeypatch):
    app = reset_app(PASSWORD_RESET_ACCOUNT_LIMIT="1 per hour")
    user = create_user()
    client = app.test_client()
    requested_token(client, smtp_server, user["email"])
    ask(client, user["email"])
    later = utcnow() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(password_reset, "utcnow", lambda: later)
    requested_token(client, smtp_server, user["email"])
    assert len(smtp_server.messages) == 2


def mail_lines(output: str) -> list[dict]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "inventory_auth.mail"]


def timed_ask(client, email, **headers):
    started = time.perf_counter()
    response = ask(client, email, **headers)
    return response, time.perf_counter() - started


def test_a_dead_smtp_server_changes_nothing_for_the_caller(reset_app, closed_port, create_user, capsys):
    app = reset_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(closed_port))
    user = create_user()
    response, seconds = timed_ask(app.test_client(), user["email"], **{"X-Request-ID": "req-reset-caido"})
    assert (response.status_code, response.get_json()) == (202, REQUESTED)
    assert seconds < 0.5
    assert mail.outbox(app).flush(5)
    (failed,) = mail_lines(capsys.readouterr().out)
    assert (failed["level"], failed["error"]) == ("ERROR", "ConnectionRefusedError")
    assert failed["request_id"] == "req-reset-caido"


def test_a_slow_smtp_server_changes_nothing_for_the_caller(reset_app, smtp_server, create_user, capsys):
    smtp_server.delay = 2
    app = reset_app(MAIL_TIMEOUT_SECONDS="0.5")
    user = create_user()
    response, seconds = timed_ask(app.test_client(), user["email"], **{"X-Request-ID": "req-reset-lento"})
    assert (response.status_code, response.get_json()) == (202, REQUESTED)
    assert seconds < 0.5
    assert mail.outbox(app).flush(5)
    (failed,) = mail_lines(capsys.readouterr().out)
    assert failed["level"] == "ERROR" and failed["request_id"] == "req-reset-lento"


def test_development_without_a_mail_server_logs_the_link(make_app, create_user, capsys):
    app = make_app(APP_ENV="development", PASSWORD_RESET_URL=RESET_URL)
    user = create_user()
    response = ask(app.test_client(), user["email"], **{"X-Request-ID": "req-reset-dev"})
    assert response.status_code == 202
    assert mail.outbox(app).flush(5)
    (line,) = mail_lines(capsys.readouterr().out)
    assert line["message"].startswith(f"mail not sent (no MAIL_SERVER): To: {user['email']}\n")
    token = unquote(TOKEN_IN_LINK.search(line["message"]).group(1))
    assert confirm(app.test_client(), token).get_json() == DONE
    mail.outbox(app).close(0)


def test_readiness_does_not_depend_on_the_mail_server(make_app, closed_port):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(closed_port))
    response = app.test_client().get("/api/health/ready")
    assert response.status_code == 200, response.get_json()


# Timing: an existing, an inactive and an unknown email cost the same. The three kinds are sent
# interleaved in rounds (so load on the machine hits all alike) and their medians compared. What
# this guards against is a whole step on one path only (an SMTP exchange: milliseconds to seconds;
# a password hash: ~100 ms); the bound leaves room for a loaded 2-core machine.
TIMING_ROUNDS = 40
TIMING_BOUND_SECONDS = 0.004
TIMING_BOUND_RATIO = 0.5


def test_every_email_costs_the_same_time(reset_app, smtp_server, create_user):
    smtp_server.delay = 0.05  # a slow-ish server: it must not show
    app = reset_app(PASSWORD_RESET_ACCOUNT_LIMIT="1000 per hour")
    active = create_user()
    inactive = create_user(is_active=False)
    client = app.test_client()
    kinds = {"active": active["email"], "inactive": inactive["email"], "unknown": "nadie@sena.edu.co"}
    for email in kinds.values():  # warm up every path
        ask(client, email)
    times = {kind: [] for kind in kinds}
    for n in range(TIMING_ROUNDS):
        order = list(kinds)
        order = order[n % 3:] + order[:n % 3]
        for kind in order:
            response, seconds = timed_ask(client, kinds[kind])
            assert response.status_code == 202
            times[kind].append(seconds)
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    fastest, slowest = min(medians.values()), max(medians.values())
    assert slowest - fastest < max(TIMING_BOUND_SECONDS, TIMING_BOUND_RATIO * fastest), medians


# `flask users reset-link EMAIL`: a link for an operator to pass on by hand when mail is down.

def test_reset_link_prints_a_working_link(reset_app, smtp_server, create_user):
    app = reset_app()
    user = create_user()
    client = app.test_client()
    mailed = requested_token(client, smtp_server, user["email"])
    assert mail.outbox(app).flush(5)  # its log line is written before the command runs
    result = app.test_cli_runner().invoke(args=["users", "reset-link", user["email"].upper()])
    assert result.exit_code == 0, without_target(result.output)
    # The command prints the link alone; a mail thread's log line (this process's threads share
    # standard output) may come between, and is not the command's.
    printed = [line for line in result.stdout.splitlines() if line and not _mail_log_line(line)]
    assert len(printed) == 1, result.stdout
    link = printed[0]
    assert TOKEN_IN_LINK.fullmatch(link)
    assert "valid 30 minute(s)" in without_target(result.stderr)
    assert confirm(client, mailed).get_json() == INVALID  # superseded by the printed link
    assert confirm(client, unquote(TOKEN_IN_LINK.fullmatch(link).group(1))).get_json() == DONE
    assert login(client, user["email"], NEW_PASSWORD).status_code == 200
    printed = audit_rows(app, "password_reset_requested")[-1]
    assert printed.new_values == {"outcome": "operator_link"} and str(printed.entity_id) == user["id"]
    assert printed.user_agent == "flask users reset-link"
    assert len(smtp_server.messages) == 1  # nothing mailed


def _mail_log_line(line: str) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and record.get("logger") == "inventory_auth.mail"


def test_reset_link_is_not_held_by_the_account_limit(make_app, create_user):
    app = make_app(PASSWORD_RESET_ACCOUNT_LIMIT="1 per hour")
    user = create_user()
    links = [app.test_cli_runner().invoke(args=["users", "reset-link", user["email"]]) for _ in range(3)]
    assert [result.exit_code for result in links] == [0, 0, 0]
    mail.outbox(app).close(0)


@pytest.mark.parametrize(("email", "error"), [
    ("nadie@sena.edu.co", "Error: no user with email nadie@sena.edu.co"),
    ("no-es-correo", "Error: invalid email: no-es-correo"),
])
def test_reset_link_for_an_unknown_email_is_an_error(runner, email, error):
    result = runner.invoke(args=["users", "reset-link", email])
    assert result.exit_code == 1
    assert without_target(result.output).strip() == error


def test_reset_link_refuses_a_deactivated_user(app, runner, create_user):
    user = create_user(is_active=False)
    result = runner.invoke(args=["users", "reset-link", user["email"]])
    assert result.exit_code == 1
    assert "is deactivated" in without_target(result.output)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken)) == 0


@pytest.mark.skipif(not using_postgres(), reason="concurrent writers need PostgreSQL")
def test_concurrent_confirms_of_one_link_succeed_once(app, runner, create_user):
    user = create_user()
    link = runner.invoke(args=["users", "reset-link", user["email"]]).stdout.strip().splitlines()[-1]
    token = unquote(link.rsplit("token=", 1)[1])

    def use(n):
        return confirm(app.test_client(), token, f"Frase concurrente del almacén {n} bis").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(use, range(8)))
    assert sorted(statuses) == [200] + [400] * 7
    assert len(audit_rows(app, "password_reset")) == 1
