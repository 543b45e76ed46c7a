"""What an imported apprentice receives: an invitation through a real SMTP server, whose link sets
the first password; `POST /api/users/{id}/invite` sends a new one; accounts that have a password
(adopted from the previous backend, or set since) are never invited; the outbox paces the sends
and names the account of a mail it could not send."""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import unquote

import bcrypt
import pytest
import sqlalchemy as sa

from inventory_auth import mail
from inventory_auth.extensions import db
from inventory_auth.models import InvitationToken, User

from helpers import audit_rows, bearer, set_hash
from roster_files import csv_bytes

PUBLIC_URL = "https://auth.inventario.example"
LINK = re.compile(r"https://auth\.inventario\.example/activar-cuenta\?token=(\S+)")
FIRST_PASSWORD = "Mi primera frase del almacén 24"
URL = "/api/users/import"
HEADER = ["correo", "nombres", "apellidos", "ficha"]


def roster(count, start=0):
    return [HEADER] + [
        [f"aprendiz{i}@soy.sena.edu.co", f"Aprendiz {i}", "Prueba", "2758312"]
        for i in range(start, start + count)
    ]


@pytest.fixture
def mail_app(make_app, smtp_server):
    made = []

    def make(**environ):
        settings = {**smtp_server.environ, "PUBLIC_URL": PUBLIC_URL, "MAIL_SEND_RATE": "1000", **environ}
        app = make_app(**settings)
        made.append(app)
        return app

    yield make
    for app in made:
        mail.outbox(app).close(0)


def admin_headers(app, create_user):
    user = create_user(role="admin_general", email="rectora@sena.edu.co")
    response = app.test_client().post(
        "/api/auth/login", json={"email": user["email"], "password": "Correcto caballo 42"}
    )
    return bearer(response.get_json()["access_token"])


@pytest.fixture
def setup(mail_app, create_user, smtp_server):
    app = mail_app()
    return app, app.test_client(), admin_headers(app, create_user)


def test_each_created_account_gets_one_invitation_whose_link_sets_its_password(setup, smtp_server):
    app, client, headers = setup
    response = client.post(URL, data=csv_bytes(roster(3)), content_type="text/csv", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["invited"] == 3
    messages = smtp_server.wait_for(3)
    assert sorted(m["To"] for m in messages) == [f"aprendiz{i}@soy.sena.edu.co" for i in range(3)]
    first = next(m for m in messages if m["To"] == "aprendiz0@soy.sena.edu.co")
    assert first["Subject"] == "Active su cuenta del sistema de inventario del SENA"
    body = first.get_content()
    assert "Hola, Aprendiz 0:" in body and "7 días" in body
    token = unquote(LINK.search(body).group(1))

    login = {"email": "aprendiz0@soy.sena.edu.co", "password": FIRST_PASSWORD}
    assert client.post("/api/auth/login", json=login).status_code == 401  # no password yet
    # The link, as the apprentice's phone opens it: the page, then its form.
    page = client.get(f"/activar-cuenta?token={token}")
    assert page.status_code == 200 and 'name="token"' in page.get_data(as_text=True)
    form = {"token": token, "password": FIRST_PASSWORD, "password_confirm": FIRST_PASSWORD}
    done = client.post("/activar-cuenta", data=form)
    assert done.status_code == 200 and "Ya puede ingresar desde la aplicación" in done.get_data(as_text=True)
    assert client.post("/api/auth/login", json=login).status_code == 200
    assert client.post("/activar-cuenta", data=form).status_code == 400  # single use

    (imported,) = audit_rows(app, "user_import")
    invites = audit_rows(app, "user_invite")
    assert len(invites) == 3
    assert {row.new_values["import_id"] for row in invites} == {str(imported.entity_id)}


def test_invite_false_and_a_dry_run_send_nothing(setup, smtp_server):
    app, client, headers = setup
    for start, query in ((0, {"invite": "false"}), (10, {"dry_run": "true"})):
        response = client.post(
            URL,
            data=csv_bytes(roster(2, start=start)),
            content_type="text/csv",
            headers=headers,
            query_string=query,
        )
        assert response.status_code == 200
    assert response.get_json() == {
        "dry_run": True,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "invited": 2,
        "ignored_columns": [],
    }
    assert mail.outbox(app).flush(5)
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InvitationToken)) == 0


def test_existing_accounts_are_never_invited_even_when_updated(setup, smtp_server, create_user):
    app, client, headers = setup
    adopted = create_user(email="aprendiz0@soy.sena.edu.co", first_name="Vieja", last_name="Cuenta")
    legacy_hash = bcrypt.hashpw(b"clave de antes 123", bcrypt.gensalt(4)).decode()
    set_hash(app, adopted["email"], legacy_hash)  # as the previous backend stored it
    response = client.post(
        URL,
        data=csv_bytes(roster(2)),
        content_type="text/csv",
        headers=headers,
        query_string={"on_existing": "update"},
    )
    assert response.get_json() | {"ignored_columns": []} == {
        "dry_run": False,
        "rows": 2,
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "invited": 1,
        "ignored_columns": [],
    }
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["aprendiz1@soy.sena.edu.co"]
    time.sleep(0.2)
    assert len(smtp_server.messages) == 1
    login = {"email": adopted["email"], "password": "clave de antes 123"}
    assert client.post("/api/auth/login", json=login).status_code == 200  # kept its password


def test_post_invite_sends_a_new_one_and_refuses_an_account_with_a_password(setup, smtp_server, create_user):
    app, client, headers = setup
    client.post(
        URL,
        data=csv_bytes(roster(1)),
        content_type="text/csv",
        headers=headers,
        query_string={"invite": "false"},
    )
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "aprendiz0@soy.sena.edu.co"))
    response = client.post(f"/api/users/{user_id}/invite", headers=headers)
    assert response.status_code == 200 and response.get_json() == {"message": "Invitación enviada"}
    assert smtp_server.wait_for(1)[0]["To"] == "aprendiz0@soy.sena.edu.co"

    with_password = create_user()
    refused = client.post(f"/api/users/{with_password['id']}/invite", headers=headers)
    assert refused.status_code == 409
    assert refused.get_json() == {
        "detail": "La cuenta ya tiene una contraseña: su titular puede ingresar o restablecerla"
    }
    assert client.post("/api/users/no-es-un-id/invite", headers=headers).status_code == 404
    student = create_user()
    student_token = client.post(
        "/api/auth/login", json={"email": student["email"], "password": "Correcto caballo 42"}
    )
    forbidden = client.post(
        f"/api/users/{user_id}/invite", headers=bearer(student_token.get_json()["access_token"])
    )
    assert forbidden.status_code == 403


def test_a_thousand_invitations_are_queued_paced_and_all_arrive(mail_app, create_user, smtp_server):
    app = mail_app(MAIL_SEND_RATE="400")
    headers = admin_headers(app, create_user)
    client = app.test_client()
    started = time.monotonic()
    response = client.post(URL, data=csv_bytes(roster(1000)), content_type="text/csv", headers=headers)
    assert response.status_code == 200 and response.get_json()["invited"] == 1000
    smtp_server.wait_for(1000, timeout=60)
    # 1,000 messages at 400 a second cannot have left in less than 2.5 s.
    assert time.monotonic() - started >= 999 / 400
    assert len({m["To"] for m in smtp_server.messages}) == 1000


def test_a_mail_that_fails_is_logged_with_its_account(make_app, create_user, closed_port, caplog):
    app = make_app(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(closed_port), PUBLIC_URL=PUBLIC_URL, MAIL_TIMEOUT_SECONDS="1"
    )
    headers = admin_headers(app, create_user)
    caplog.set_level(logging.ERROR, logger="inventory_auth.mail")
    response = app.test_client().post(
        URL, data=csv_bytes(roster(1)), content_type="text/csv", headers=headers
    )
    assert response.status_code == 200
    assert mail.outbox(app).flush(10)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "aprendiz0@soy.sena.edu.co"))
    failed = [r for r in caplog.records if r.getMessage().startswith("mail not sent")]
    assert [(r.mail_kind, r.user_id) for r in failed] == [("invitation", str(user_id))]
    mail.outbox(app).close(0)


def test_production_without_public_url_refuses_an_import_that_invites(make_app, create_user):
    app = make_app(APP_ENV="production", SECRET_KEY="s" * 48)
    headers = admin_headers(app, create_user)
    client = app.test_client()
    refused = client.post(URL, data=csv_bytes(roster(1)), content_type="text/csv", headers=headers)
    assert refused.status_code == 503
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    accepted = client.post(
        URL,
        data=csv_bytes(roster(1)),
        content_type="text/csv",
        headers=headers,
        query_string={"invite": "false"},
    )
    assert accepted.status_code == 200


def test_a_reset_asked_during_an_import_goes_ahead_of_its_invitations(mail_app, create_user, smtp_server):
    app = mail_app(MAIL_SEND_RATE="20")
    headers = admin_headers(app, create_user)
    client = app.test_client()
    student = create_user(email="ya.inscrita@sena.edu.co")
    imported = client.post(URL, data=csv_bytes(roster(40)), content_type="text/csv", headers=headers)
    assert imported.status_code == 200
    asked = time.monotonic()
    reset = client.post("/api/auth/password-reset/request", json={"email": student["email"]})
    assert reset.status_code == 202
    messages = smtp_server.wait_for(41, timeout=30)
    order = [m["To"] for m in messages]
    # Paced at 20 a second, the 40 invitations take 2 s; the reset is among the first few.
    assert order.index(student["email"]) <= 3, order
    assert time.monotonic() - asked >= 39 / 20 - 0.5
