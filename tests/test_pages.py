"""The pages a link in a mail leads to, through HTTP: one test (at least) per row of the
contract's table ("Pages a person opens from an email"), their headers, and bad input.

Mail goes to a real SMTP server (aiosmtpd); tokens are read from the messages it received.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest

from inventory_auth import accounts, mail
from inventory_auth.extensions import db
from inventory_auth.security import passwords

from helpers import PASSWORD, Accounts, Page, audit_rows, bearer, stored_hash

PUBLIC_URL = "https://auth.inventario.example"
RESET = "/restablecer-contrasena"
ACTIVATE = "/activar-cuenta"
LINK = re.compile(r"https://auth\.inventario\.example(/restablecer-contrasena|/activar-cuenta)\?token=(\S+)")
NEW_PASSWORD = "Nueva frase para el almacén 31"
FORM = "application/x-www-form-urlencoded"
RESET_INVALID = "El enlace de restablecimiento no es válido o ha expirado"
ACTIVATION_INVALID = "El enlace de activación no es válido o ha expirado"
REQUESTED = "Si el correo está registrado, recibirá un enlace para restablecer la contraseña"
PAGE_CSP = {"default-src 'none'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'"}


@pytest.fixture
def site(make_app, smtp_server):
    """An app that mails to the test's SMTP server, links built from PUBLIC_URL."""
    made = []

    def make(**environ):
        app = make_app(**{**smtp_server.environ, "PUBLIC_URL": PUBLIC_URL,
                          "PASSWORD_RESET_RATE_LIMIT": "1000 per minute", **environ})
        made.append(app)
        return app

    yield make
    for app in made:
        mail.outbox(app).close(0)


def post(client, path, address="10.8.0.1", **fields):
    return client.post(path, data=fields, environ_base={"REMOTE_ADDR": address})


def set_new(client, path, token, password=NEW_PASSWORD):
    return post(client, path, token=token, password=password, password_confirm=password)


def api_confirm(client, token, address="10.8.0.1"):
    body = {"token": token, "new_password": NEW_PASSWORD}
    return client.post("/api/auth/password-reset/confirm", json=body, environ_base={"REMOTE_ADDR": address})


def page_of(response) -> Page:
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def link_in(smtp_server, count) -> tuple[str, str]:
    """(path, token) of the link in the `count`-th message the SMTP server got."""
    found = LINK.search(smtp_server.wait_for(count)[count - 1].get_content())
    return found.group(1), unquote(found.group(2))


def reset_token(client, smtp_server, email) -> str:
    before = len(smtp_server.messages)
    assert post(client, RESET, email=email).status_code == 200
    path, token = link_in(smtp_server, before + 1)
    assert path == RESET
    return token


def invited(app, email="invitada@sena.edu.co") -> None:
    with app.app_context():
        accounts.create_user(email=email, password=None, first_name="Ana", last_name="Invitada",
                             role="student")
        db.session.commit()


def invitation_token(app, smtp_server, email="invitada@sena.edu.co") -> str:
    before = len(smtp_server.messages)
    assert app.test_cli_runner().invoke(args=["users", "invite", email]).exit_code == 0
    path, token = link_in(smtp_server, before + 1)
    assert path == ACTIVATE
    return token


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"})


# GET /restablecer-contrasena (no token): a form to ask for a link.

def test_without_a_token_the_page_asks_for_an_email(client):
    response = client.get(RESET)
    assert response.status_code == 200
    page = page_of(response)
    assert '<html lang="es">' in page.html
    assert "Sistema de inventario del SENA" in page.text
    assert page.forms == [{"method": "post", "action": RESET, "novalidate": None}]
    email = page.field("email")
    assert (email["type"], email["autocomplete"]) == ("email", "email")
    assert '<label for="email">' in page.html


# POST /restablecer-contrasena (email): the API's message, the same page whatever the email.

def test_asking_for_a_link_mails_one_and_answers_the_same_page_for_any_email(site, smtp_server, create_user):
    app = site()
    client = app.test_client()
    user = create_user()
    create_user(email="inactiva@sena.edu.co", is_active=False)
    answers = {email: post(client, RESET, email=email) for email in
               (user["email"], "inactiva@sena.edu.co", "nadie@sena.edu.co")}
    assert {response.status_code for response in answers.values()} == {200}
    bodies = {response.get_data() for response in answers.values()}
    assert len(bodies) == 1
    assert REQUESTED in page_of(answers[user["email"]]).text
    assert mail.outbox(app).flush(5)
    assert [message["To"] for message in smtp_server.messages] == [user["email"]]
    assert link_in(smtp_server, 1)[0] == RESET


@pytest.mark.parametrize("email", ["", "no-es-correo", "a@" + "b" * 300 + ".co"])
def test_a_bad_email_is_a_422_page_with_the_message_next_to_the_field(client, email):
    response = post(client, RESET, email=email)
    assert response.status_code == 422
    page = page_of(response)
    assert page.field("email")["aria-invalid"] == "true"
    assert page.described("email") in {"Correo electrónico inválido.", "Este campo es obligatorio.",
                                        "Debe tener entre 1 y 255 caracteres."}


def test_a_form_without_any_field_asks_for_the_email(client):
    response = client.post(RESET, data={}, content_type=FORM)
    assert response.status_code == 422
    assert page_of(response).described("email") == "Este campo es obligatorio."


def test_asking_shares_the_api_per_address_limit_and_429_is_a_page(site):
    app = site(PASSWORD_RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert post(client, RESET, email="a@sena.edu.co").status_code == 200
    api = client.post("/api/auth/password-reset/request", json={"email": "b@sena.edu.co"},
                      environ_base={"REMOTE_ADDR": "10.8.0.1"})
    assert api.status_code == 202
    refused = post(client, RESET, email="c@sena.edu.co")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Demasiadas solicitudes" in page_of(refused).h1
    assert client.post("/api/auth/password-reset/request", json={"email": "d@sena.edu.co"},
                       environ_base={"REMOTE_ADDR": "10.8.0.1"}).status_code == 429
    assert post(client, RESET, address="10.8.0.2", email="e@sena.edu.co").status_code == 200  # elsewhere


def test_setting_a_password_is_not_held_by_the_request_limit(site, smtp_server, create_user):
    app = site(PASSWORD_RESET_RATE_LIMIT="1 per minute")
    client = app.test_client()
    user = create_user()
    token = reset_token(client, smtp_server, user["email"])
    weak = post(client, RESET, token=token, password="contraseña", password_confirm="contraseña")
    assert weak.status_code == 422
    done = post(client, RESET, token=token, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    assert done.status_code == 200


@pytest.mark.parametrize("path", [RESET, ACTIVATE])
def test_bad_links_spend_the_address_failure_budget_shared_with_the_api(site, path):
    """Guessing tokens through the pages costs what it costs on the API: the address's failure
    budget (security/failure_budget.py), then a 429 page before any token is looked up."""
    client = site(FAILURE_RATE_LIMIT="3 per minute").test_client()
    for _ in range(2):
        assert set_new(client, path, "A" * 43).status_code == 400
    assert api_confirm(client, "B" * 43).status_code == 400
    refused = set_new(client, path, "C" * 43)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Demasiadas solicitudes" in page_of(refused).h1
    assert set_new(client, path, "D" * 43).status_code == 429
    assert post(client, path, address="10.8.0.9", token="E" * 43, password=NEW_PASSWORD,
                password_confirm=NEW_PASSWORD).status_code == 400  # another address: untouched


def test_setting_passwords_shares_the_confirm_limit_with_the_api(site):
    client = site(PASSWORD_RESET_CONFIRM_RATE_LIMIT="2 per minute").test_client()
    assert set_new(client, RESET, "A" * 43).status_code == 400
    assert api_confirm(client, "B" * 43).status_code == 400
    assert set_new(client, ACTIVATE, "C" * 43).status_code == 429
    assert post(client, RESET, email="f@sena.edu.co").status_code == 200  # asking for a link is limited apart


# GET /restablecer-contrasena?token=T: the form, or the bad-link page.

def test_a_good_link_shows_the_password_form_with_the_token_hidden(site, smtp_server, create_user):
    app = site()
    client = app.test_client()
    user = create_user()
    token = reset_token(client, smtp_server, user["email"])
    response = client.get(f"{RESET}?token={token}")
    assert response.status_code == 200
    page = page_of(response)
    assert page.field("token") == {"type": "hidden", "name": "token", "value": token}
    for name in ("password", "password_confirm"):
        field = page.field(name)
        assert (field["type"], field["autocomplete"]) == ("password", "new-password")
        assert f'<label for="{name}">' in page.html
    assert page.forms[0]["action"] == RESET  # the token travels in the form, not the URL
    assert all(token not in link for link in page.links)
    assert user["email"] in page.html  # which account, for the person and a password manager


@pytest.mark.parametrize("query", ["token=" + "A" * 43, "token=", "token=corto", "token=%00%01",
                                   "token=" + "a" * 300, "token=a&token=b"])
def test_a_bad_link_is_a_400_page_without_a_form(client, query):
    response = client.get(f"{RESET}?{query}")
    assert response.status_code == 400
    page = page_of(response)
    assert page.h1 == RESET_INVALID
    assert page.inputs == [] and page.forms == []
    assert RESET in page.links  # a way to ask for a new one


def test_a_used_or_superseded_link_is_a_bad_link(site, smtp_server, create_user):
    app = site()
    client = app.test_client()
    user = create_user()
    first = reset_token(client, smtp_server, user["email"])
    second = reset_token(client, smtp_server, user["email"])
    assert client.get(f"{RESET}?token={first}").status_code == 400
    assert set_new(client, RESET, second).status_code == 200
    assert client.get(f"{RESET}?token={second}").status_code == 400
    again = post(client, RESET, token=second, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    assert again.status_code == 400 and page_of(again).forms == []


# POST /restablecer-contrasena (token, password, password_confirm)

def test_a_new_password_has_the_api_confirms_effects(site, smtp_server):
    app = site(LOCKOUT_THRESHOLD="3")
    client = app.test_client()
    user = Accounts(client).register(email="ana@sena.edu.co")
    session = Accounts(client).login(user["email"])
    for _ in range(3):
        login(client, user["email"], "no es la clave 1")
    assert login(client, user["email"], PASSWORD).status_code == 429
    token = reset_token(client, smtp_server, user["email"])

    response = post(client, RESET, token=token, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    assert response.status_code == 200
    page = page_of(response)
    assert page.h1 == "Contraseña restablecida"
    assert "Vuelva a la aplicación e ingrese con su nueva contraseña." in page.text
    assert login(client, user["email"], NEW_PASSWORD).status_code == 200  # lockout cleared
    assert client.get("/api/auth/me", headers=bearer(session["access_token"])).status_code == 401
    [done] = audit_rows(app, "password_reset")
    assert str(done.entity_id) == user["id"]


@pytest.mark.parametrize(("password", "confirm", "field", "text"), [
    ("contraseña", "contraseña", "password", "La contraseña es demasiado común"),
    ("Usuario Directo 1 clave", "Usuario Directo 1 clave", "password", "no puede contener su nombre"),
    ("corta", "corta", "password", "Debe tener entre 8 y 128 caracteres."),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "password_confirm", "Las dos contraseñas no coinciden"),
    (NEW_PASSWORD, "", "password_confirm", "Este campo es obligatorio."),
])
def test_a_refused_password_is_a_422_page_and_the_link_still_works(site, smtp_server, create_user,
                                                                     password, confirm, field, text):
    app = site()
    client = app.test_client()
    user = create_user()
    before = stored_hash(app, user["email"])
    token = reset_token(client, smtp_server, user["email"])
    response = post(client, RESET, token=token, password=password, password_confirm=confirm)
    assert response.status_code == 422
    page = page_of(response)
    assert text in page.described(field)
    assert page.field(field)["aria-invalid"] == "true"
    assert page.field("token")["value"] == token
    # No password is sent back.
    assert all(item.get("value") in (None, "", user["email"], token) for item in page.inputs)
    assert stored_hash(app, user["email"]) == before
    assert set_new(client, RESET, token).status_code == 200


def test_a_bad_token_with_a_bad_password_is_the_bad_link_page(client):
    response = post(client, RESET, token="A" * 43, password="x", password_confirm="y")
    assert response.status_code == 400
    assert page_of(response).forms == []


# GET and POST /activar-cuenta: the same for an invitation.

def test_an_invitation_sets_the_first_password(site, smtp_server):
    app = site()
    client = app.test_client()
    invited(app)
    assert login(client, "invitada@sena.edu.co", NEW_PASSWORD).status_code == 401
    token = invitation_token(app, smtp_server)
    shown = client.get(f"{ACTIVATE}?token={token}")
    assert shown.status_code == 200
    page = page_of(shown)
    assert page.forms[0]["action"] == ACTIVATE and page.field("token")["value"] == token

    weak = post(client, ACTIVATE, token=token, password="Ana Invitada 99", password_confirm="Ana Invitada 99")
    assert weak.status_code == 422
    assert "no puede contener su nombre" in page_of(weak).described("password")
    assert not passwords.is_usable(stored_hash(app, "invitada@sena.edu.co"))

    done = post(client, ACTIVATE, token=token, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    assert done.status_code == 200
    page = page_of(done)
    assert page.h1 == "Cuenta activada"
    assert "Ya puede ingresar desde la aplicación" in page.text
    assert login(client, "invitada@sena.edu.co", NEW_PASSWORD).status_code == 200
    assert len(audit_rows(app, "invitation_accepted")) == 1
    used = client.get(f"{ACTIVATE}?token={token}")
    assert used.status_code == 400 and page_of(used).h1 == ACTIVATION_INVALID


@pytest.mark.parametrize("query", ["", "?token=", "?token=" + "B" * 43, "?token=a&token=b"])
def test_a_bad_invitation_link_is_a_400_page_offering_a_new_link(client, query):
    response = client.get(ACTIVATE + query)
    assert response.status_code == 400
    page = page_of(response)
    assert page.h1 == ACTIVATION_INVALID and page.forms == [] and RESET in page.links


def test_a_reset_token_does_not_activate_and_an_invitation_does_not_reset(site, smtp_server, create_user):
    app = site()
    client = app.test_client()
    user = create_user()
    token = reset_token(client, smtp_server, user["email"])
    assert client.get(f"{ACTIVATE}?token={token}").status_code == 400
    invited(app)
    invitation = invitation_token(app, smtp_server)
    assert client.get(f"{RESET}?token={invitation}").status_code == 400


# Headers, logs, bad input.

def assert_page_headers(response):
    policy = {part.strip() for part in response.headers["Content-Security-Policy"].split(";")}
    assert policy >= PAGE_CSP
    assert not any("script" in part or "unsafe" in part for part in policy)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("get", RESET, {}), ("get", RESET + "?token=x", {}), ("get", ACTIVATE, {}),
    ("post", RESET, {"data": {"email": "a@sena.edu.co"}}), ("post", RESET, {"data": {"email": "x"}}),
    ("post", RESET, {"json": {"email": "a@sena.edu.co"}}), ("put", RESET, {}), ("delete", ACTIVATE, {}),
    ("post", ACTIVATE, {"data": {"token": "x" * 43, "password": "a", "password_confirm": "a"}}),
])
def test_every_page_answer_has_the_pages_headers(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert response.mimetype == "text/html"
    assert_page_headers(response)


def test_the_api_keeps_its_own_headers(client):
    response = client.get("/api/health")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_stylesheet_is_served_by_the_service(client):
    response = client.get("/paginas/paginas.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "ETag" in response.headers and response.headers["Cache-Control"] == "no-cache"
    assert '<link rel="stylesheet" href="/paginas/paginas.css">' in client.get(RESET).get_data(as_text=True)


def test_the_token_reaches_no_log_line(site, smtp_server, create_user, capsys):
    app = site()
    client = app.test_client()
    user = create_user()
    token = reset_token(client, smtp_server, user["email"])
    capsys.readouterr()
    client.get(f"{RESET}?token={token}")
    post(client, RESET, token=token, password="contraseña", password_confirm="contraseña")
    post(client, RESET, token=token, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
    output = capsys.readouterr()
    logged = output.out + output.err
    assert token not in logged and NEW_PASSWORD not in logged
    paths = [json.loads(line)["path"] for line in output.out.splitlines()
             if line.startswith("{") and '"inventory_auth.access"' in line]
    assert paths == [RESET, RESET, RESET]


@pytest.mark.parametrize("path", [RESET, ACTIVATE])
def test_json_instead_of_a_form_is_a_415_page(client, path):
    response = client.post(path, json={"token": "x", "password": "y", "password_confirm": "y"})
    assert response.status_code == 415
    assert page_of(response).h1 == "Envíe el formulario desde esta página."


@pytest.mark.parametrize("path", [RESET, ACTIVATE])
def test_a_10_mb_field_is_a_413_page(client, path):
    response = client.post(path, data={"token": "x" * 43, "password": "a" * 10_000_000}, content_type=FORM)
    assert response.status_code == 413
    assert page_of(response).h1 == "El formulario enviado es demasiado grande."
    assert_page_headers(response)


def test_a_field_sent_twice_is_refused_next_to_it(site, smtp_server, create_user):
    app = site()
    client = app.test_client()
    user = create_user()
    token = reset_token(client, smtp_server, user["email"])
    body = f"token={token}&password=a1b2c3d4e5f6&password=Otra+frase+larga+9&password_confirm=x"
    response = client.post(RESET, data=body, content_type=FORM)
    assert response.status_code == 422
    assert "Debe ser un texto." in page_of(response).described("password")
    twice = client.post(RESET, data=f"token={token}&token={token}&password=x&password_confirm=x",
                        content_type=FORM)
    assert twice.status_code == 400
    assert client.post(RESET, data="email=a%40b.co&email=c%40d.co", content_type=FORM).status_code == 422


def test_a_wrong_method_is_a_405_page_naming_the_allowed_ones(client):
    response = client.put(ACTIVATE)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert client.put("/api/health").mimetype == "application/json"  # the API's stay JSON


def test_an_unexpected_error_is_a_500_page_without_a_trace(site, monkeypatch):
    from inventory_auth.accounts import password_reset

    def broken(_email):
        raise RuntimeError("secreto interno")

    monkeypatch.setattr(password_reset, "request", broken)
    response = post(site().test_client(), RESET, email="a@sena.edu.co")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secreto interno" not in body and "Traceback" not in body
    assert page_of(response).h1 == "Ocurrió un error inesperado. Intente de nuevo más tarde."


def test_the_shipped_nginx_logs_paths_without_their_query():
    from pathlib import Path

    site = (Path(__file__).resolve().parent.parent / "deploy/nginx/inventory_auth.conf.template").read_text()
    formats = re.findall(r"log_format\s+(\w+)((?:[^;])*);", site)
    assert [name for name, _ in formats] == ["inventory_auth_paths"]
    assert "$uri" in formats[0][1]
    assert not re.search(r"\$(request|request_uri|args|query_string)\b", formats[0][1])
    assert re.findall(r"access_log\s+([^;]+);", site) == ["/dev/stdout inventory_auth_paths"]
