"""Emails arrive with the white space a phone keyboard adds: it is dropped wherever an email
enters (the API's schemas, the command line). Passwords are taken exactly as typed."""

import pytest

from helpers import PASSWORD, registration

SPACED = ["ana@sena.edu.co ", " ana@sena.edu.co", "\tAna@Sena.edu.co\n"]


@pytest.mark.parametrize("typed", SPACED)
def test_register_stores_the_stripped_address(client, typed):
    response = client.post("/api/auth/register", json=registration(email=typed))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["email"] == "ana@sena.edu.co"


@pytest.mark.parametrize("typed", SPACED)
def test_login_finds_the_account(client, accounts, typed):
    accounts.register(email="ana@sena.edu.co")
    response = client.post("/api/auth/login", json={"email": typed, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["email"] == "ana@sena.edu.co"


def test_a_duplicate_with_spaces_is_still_a_duplicate(client, accounts):
    accounts.register(email="ana@sena.edu.co")
    response = client.post("/api/auth/register", json=registration(email=" ANA@sena.edu.co "))
    assert response.status_code == 400


def test_only_white_space_is_not_an_email(client):
    response = client.post("/api/auth/register", json=registration(email="   "))
    assert response.status_code == 422
    assert "email" in response.get_json()["errors"]


def test_passwords_are_not_stripped(client, accounts):
    """A password is a secret taken as typed: its spaces are part of it."""
    spaced = "  " + PASSWORD + " "
    accounts.register(email="ana@sena.edu.co", password=spaced)
    assert client.post(
        "/api/auth/login", json={"email": "ana@sena.edu.co", "password": PASSWORD}
    ).status_code == 401
    assert client.post(
        "/api/auth/login", json={"email": "ana@sena.edu.co", "password": spaced}
    ).status_code == 200


def test_cli_strips_emails(runner, accounts):
    created = runner.invoke(
        args=["users", "create", " ana@sena.edu.co ", "--first-name", "Ana", "--last-name", "Pérez",
              "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output
    assert "created ana@sena.edu.co " in created.output
    shown = runner.invoke(args=["users", "show", "ana@sena.edu.co\t"])
    assert shown.exit_code == 0, shown.output
    assert accounts.login("ana@sena.edu.co")["user"]["email"] == "ana@sena.edu.co"
