"""Invitations: accounts created without a password, and the single-use link that sets the first
one. Through the domain functions the pages and the import use, `flask users invite` and a real
SMTP server (the link is read from the message it received)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from inventory_auth import accounts, mail
from inventory_auth.accounts import invitations
from inventory_auth.exceptions import (
    AccountHasPassword,
    InvitationTokenInvalid,
    LinkUnavailable,
    WeakPassword,
)
from inventory_auth.extensions import db
from inventory_auth.models import InvitationToken
from inventory_auth.models.types import utcnow
from inventory_auth.security import passwords

from helpers import PASSWORD, audit_rows, stored_hash, without_target

PUBLIC_URL = "https://auth.inventario.example"
LINK = re.compile(r"https://auth\.inventario\.example/activar-cuenta\?token=(\S+)")
FIRST_PASSWORD = "Mi primera frase del almacén 24"
STRONG_SECRET = "s" * 48
WRONG = {"detail": "Correo o contraseña incorrectos"}


@pytest.fixture
def invite_app(make_app, smtp_server):
    made = []

    def make(**environ):
        app = make_app(**{**smtp_server.environ, "PUBLIC_URL": PUBLIC_URL, **environ})
        made.append(app)
        return app

    yield make
    for app in made:
        mail.outbox(app).close(0)


def invited(app, email="invitada@sena.edu.co", **fields) -> str:
    """Create an account without a password, as an administrator's import does."""
    values = {"first_name": "Ana", "last_name": "Invitada", "role": "student", **fields}
    with app.app_context():
        user = accounts.create_user(email=email, password=None, **values)
        db.session.commit()
        return str(user.id)


def invite(app, email="invitada@sena.edu.co", *options):
    return app.test_cli_runner().invoke(args=["users", "invite", email, *options])


def mailed_token(smtp_server, count=1) -> str:
    message = smtp_server.wait_for(count)[count - 1]
    return unquote(LINK.search(message.get_content()).group(1))


def accept(app, token, password=FIRST_PASSWORD):
    with app.app_context():
        try:
            user = invitations.accept(token, password)
            db.session.commit()
            return user.email
        finally:
            db.session.rollback()


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_an_account_without_a_password_cannot_log_in(app, client):
    invited(app)
    stored = stored_hash(app, "invitada@sena.edu.co")
    assert stored.startswith(passwords.UNUSABLE_PREFIX) and not passwords.is_usable(stored)
    for attempt in ("", stored, stored[1:], PASSWORD):
        response = login(client, "invitada@sena.edu.co", attempt or "x")
        assert (response.status_code, response.get_json()) == (401, WRONG)


def test_its_login_spends_what_an_unknown_email_spends(app, client, hash_checks):
    invited(app)
    spent = {}
    for name, email in [("invited", "invitada@sena.edu.co"), ("unknown", "nadie@sena.edu.co")]:
        hash_checks.clear()
        assert login(client, email, "Alguna clave larga 9").status_code == 401
        spent[name] = sorted(hash_checks)
    assert spent["invited"] == spent["unknown"] and spent["invited"]


def test_the_invitation_mail_sets_the_first_password_once(invite_app, smtp_server):
    app = invite_app()
    user_id = invited(app)
    result = invite(app)
    assert result.exit_code == 0, without_target(result.output)
    assert "valid 168 hour(s)" in result.stdout
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "invitada@sena.edu.co"
    assert message["Subject"] == "Active su cuenta del sistema de inventario del SENA"
    body = message.get_content()
    assert "Hola, Ana:" in body and "7 días" in body
    token = mailed_token(smtp_server)
    assert len(token) >= 43

    with app.app_context():
        assert invitations.check(token).email == "invitada@sena.edu.co"
    assert accept(app, token) == "invitada@sena.edu.co"
    client = app.test_client()
    assert login(client, "invitada@sena.edu.co", FIRST_PASSWORD).status_code == 200
    with pytest.raises(InvitationTokenInvalid):
        accept(app, token, "Otra frase distinta del almacén 8")

    [issued] = audit_rows(app, "user_invite")
    assert (str(issued.entity_id), issued.new_values) == (user_id, {"outcome": "mail"})
    assert issued.user_agent == "flask users invite"
    [accepted] = audit_rows(app, "invitation_accepted")
    assert str(accepted.entity_id) == str(accepted.user_id) == user_id
    with app.app_context():  # only a digest is stored
        stored = db.session.scalar(sa.select(InvitationToken.token_hash))
    assert token not in stored and len(stored) == 64


def test_a_weak_password_changes_nothing_and_the_link_still_works(invite_app, smtp_server):
    app = invite_app()
    invited(app)
    invite(app)
    token = mailed_token(smtp_server)
    for weak in ("contraseña", "Ana Invitada 2024"):
        with pytest.raises(WeakPassword) as refused:
            accept(app, token, weak)
        assert refused.value.field == "password"
    assert not passwords.is_usable(stored_hash(app, "invitada@sena.edu.co"))
    assert accept(app, token) == "invitada@sena.edu.co"


def test_a_newer_invitation_supersedes_the_older(invite_app, smtp_server):
    app = invite_app()
    invited(app)
    invite(app)
    first = mailed_token(smtp_server, 1)
    invite(app)
    second = mailed_token(smtp_server, 2)
    with pytest.raises(InvitationTokenInvalid):
        accept(app, first)
    assert accept(app, second) == "invitada@sena.edu.co"


def test_an_expired_invitation_is_refused(invite_app, smtp_server, monkeypatch):
    app = invite_app(INVITATION_EXPIRE_HOURS="2")
    invited(app)
    invite(app)
    token = mailed_token(smtp_server)
    later = utcnow() + timedelta(hours=2, seconds=1)
    monkeypatch.setattr(invitations, "utcnow", lambda: later)
    with pytest.raises(InvitationTokenInvalid):
        accept(app, token)


@pytest.mark.parametrize("change", [["deactivate"], ["set-password", "--password-stdin"]])
def test_a_link_of_an_account_deactivated_or_given_a_password_since_is_refused(invite_app, change):
    app = invite_app()
    invited(app)
    link = invite(app, "invitada@sena.edu.co", "--print-link").stdout.strip()
    token = unquote(LINK.fullmatch(link).group(1))
    runner = app.test_cli_runner()
    command, *options = change
    result = runner.invoke(args=["users", command, "invitada@sena.edu.co", *options], input=PASSWORD + "\n")
    assert result.exit_code == 0, without_target(result.output)
    with app.app_context(), pytest.raises(InvitationTokenInvalid):
        invitations.check(token)


def test_print_link_mails_nothing(invite_app, smtp_server):
    app = invite_app()
    invited(app)
    result = invite(app, "invitada@sena.edu.co", "--print-link")
    assert result.exit_code == 0, without_target(result.output)
    assert LINK.fullmatch(result.stdout.strip())
    assert "valid 168 hour(s)" in result.stderr
    assert accept(app, unquote(LINK.fullmatch(result.stdout.strip()).group(1))) == "invitada@sena.edu.co"
    assert mail.outbox(app).flush(5) and smtp_server.messages == []
    assert audit_rows(app, "user_invite")[0].new_values == {"outcome": "operator_link"}


def test_an_account_with_a_password_is_not_invited(invite_app, create_user, smtp_server):
    app = invite_app()
    user = create_user()
    for options in ((), ("--print-link",)):
        result = invite(app, user["email"], *options)
        assert result.exit_code == 1
        assert without_target(result.output).startswith("Error: the account already has a password")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InvitationToken)) == 0
        with pytest.raises(AccountHasPassword):
            invitations.issue(accounts.find_by_email(user["email"]))
    assert audit_rows(app, "user_invite") == []


def test_a_deactivated_account_is_not_invited(invite_app):
    app = invite_app()
    invited(app, is_active=False)
    result = invite(app)
    assert result.exit_code == 1
    assert "deactivated" in without_target(result.output)


@pytest.mark.parametrize("email", ["nadie@sena.edu.co", "no-es-correo"])
def test_invite_of_an_unknown_email_is_an_error(runner, email):
    result = runner.invoke(args=["users", "invite", email])
    assert result.exit_code == 1 and "Error:" in result.output


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "ñ" * 300])
def test_unknown_tokens_are_invalid(app, token):
    with app.app_context(), pytest.raises(InvitationTokenInvalid):
        invitations.check(token)


def test_production_without_public_url_builds_no_link(make_app, tmp_path):
    app = make_app(APP_ENV="production", SECRET_KEY=STRONG_SECRET)
    assert app.config["PUBLIC_URL"] is None and app.config["INVITATION_URL"] is None
    invited(app)
    result = invite(app)
    assert result.exit_code == 1
    assert without_target(result.output).strip() == (
        "Error: no link can be built: set PUBLIC_URL (the service's address as people reach it)"
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InvitationToken)) == 0
        with pytest.raises(LinkUnavailable):
            mail.invitation_link("token")
