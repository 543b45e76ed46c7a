"""What profile text may hold: no control or format characters, no look-alike mix of scripts;
and what `flask users` prints of rows that hold them anyway (the previous backend stored anything).

Names, phone, program and ficha once took ESC, BEL, CR/LF and U+202E through /register and PUT /me,
and `flask users list` then cleared an administrator's screen and printed a forged line. A student
could register `rеctora@sena.edu.co` (Cyrillic е) named "Rosa Diaz", whose audit rows read
exactly like the real administrator's.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import User

from helpers import PASSWORD, bearer, registration

CONTROL = (
    "No puede contener caracteres de control ni de formato (saltos de línea, tabuladores, "
    "escapes de terminal, marcas de dirección del texto)."
)
LOOKALIKE = (
    "Mezcla letras de alfabetos distintos que se confunden entre sí (por ejemplo, una «е» "
    "cirílica entre letras latinas); escríbalo con un solo alfabeto."
)
FIELDS = ["first_name", "last_name", "phone", "program", "ficha"]
NASTY = {
    "escape": "Ana\x1b[2J\x1b[H",
    "bell": "Ana\x07",
    "crlf": "Ana\r\nADMIN rectora@sena.edu.co admin_general",
    "tab": "Ana\tB",
    "c1_csi": "Ana\x9b2J",
    "next_line": "Ana\x85B",
    "rtl_override": "Ana\u202eoc.ude",
    "isolate": "Ana\u2066B\u2069",
    "line_separator": "Ana\u2028B",
    "zero_width_space": "Ana\u200bB",
    "delete": "Ana\x7f",
}


@pytest.fixture
def admin(client, create_user):
    made = create_user(role="admin_general")
    token = client.post("/api/auth/login", json={"email": made["email"], "password": PASSWORD})
    return bearer(token.get_json()["access_token"])


def refused(response, field, message):
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {field: [message]}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_control_characters_are_refused_on_every_way_in(client, accounts, admin, field, value):
    refused(client.post("/api/auth/register", json=registration(**{field: value})), field, CONTROL)
    refused(client.post("/api/users/", json=registration(**{field: value}), headers=admin), field, CONTROL)
    user, token = accounts.token()
    refused(client.put("/api/auth/me", json={field: value}, headers=bearer(token)), field, CONTROL)
    refused(client.put(f"/api/users/{user['id']}", json={field: value}, headers=admin), field, CONTROL)


def test_white_space_around_a_value_is_still_trimmed(client, accounts):
    _, token = accounts.token()
    response = client.put("/api/auth/me", json={"program": "ADSO\r\n", "phone": "\t300 123 4567 "},
                          headers=bearer(token))
    assert response.status_code == 200
    assert (response.get_json()["program"], response.get_json()["phone"]) == ("ADSO", "300 123 4567")


SPANISH = {"first_name": "María-Ángeles", "last_name": "Núñez O'Connor de la Peña",
           "program": "Análisis y Desarrollo de Software (ADSO) — 2.º año", "ficha": "2758394"}


def test_real_spanish_names_are_kept_as_typed(client):
    body = registration(email="maria.nunez@sena.edu.co", **SPANISH)
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.get_json()
    assert {key: response.get_json()[key] for key in SPANISH} == SPANISH


@pytest.mark.parametrize(("field", "value"), [
    ("email", "r\u0435ctora@sena.edu.co"),  # Cyrillic е among Latin letters
    ("email", "\u0430\u0441\u0435@sena.edu.co"),  # a Cyrillic local part before a Latin domain
    ("first_name", "R\u043esa"),  # Cyrillic о
    ("last_name", "D\u0456az"),  # Ukrainian і
    ("last_name", "Di\u03b1z"),  # Greek α
])
def test_a_look_alike_mix_of_scripts_is_refused(client, accounts, admin, field, value):
    refused(client.post("/api/auth/register", json=registration(**{field: value})), field, LOOKALIKE)
    refused(client.post("/api/users/", json=registration(**{field: value}), headers=admin), field, LOOKALIKE)
    if field != "email":
        user, token = accounts.token()
        refused(client.put("/api/auth/me", json={field: value}, headers=bearer(token)), field, LOOKALIKE)
        refused(client.put(f"/api/users/{user['id']}", json={field: value}, headers=admin), field, LOOKALIKE)


@pytest.mark.parametrize(("first", "last"), [("Σοφία", "Παπαδοπούλου"), ("Иван", "Петров"), ("Zoë", "Ñandú")])
def test_a_name_in_one_script_is_accepted(client, first, last):
    body = registration(first_name=first, last_name=last)
    assert client.post("/api/auth/register", json=body).status_code == 201


def test_the_cli_refuses_them_too(runner):
    result = runner.invoke(args=["users", "create", "ana@sena.edu.co", "--first-name", "Ana\x1b[2J",
                                 "--last-name", "B", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert ("Error: first-name must be 1 to 100 characters in one alphabet, no control characters, "
            "got 'Ana\\x1b[2J'") in result.output
    result = runner.invoke(args=["users", "create", "r\u0435ctora@sena.edu.co", "--first-name", "Rosa",
                                 "--last-name", "Diaz", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "Error: email must be an email address of at most 255 characters, in one alphabet" in result.output
    assert "No puede" not in result.output and "Mezcla" not in result.output


def test_the_cli_never_prints_a_stored_control_character_raw(app, runner, create_user):
    user = create_user(email="legado@sena.edu.co")
    with app.app_context():  # as the previous backend may have stored it
        db.session.execute(sa.update(User).where(User.email == user["email"]).values(
            first_name="Ana\x1b[2J\x1b[H\x07", last_name="B\r\nADMIN falso\u202eoc", phone="300\x9b"))
        db.session.commit()
    shown = runner.invoke(args=["users", "show", user["email"]])
    listed = runner.invoke(args=["users", "list"])
    for result in (shown, listed):
        assert result.exit_code == 0
        for raw in ("\x1b", "\x07", "\r", "\u202e", "\x9b"):
            assert raw not in result.output
        assert r"Ana\x1b[2J\x1b[H\x07 B\r\nADMIN falso\u202eoc" in result.output
    assert r"300\x9b" in shown.output
    assert len(listed.stdout.splitlines()) == 1  # one user, one line: no forged one
