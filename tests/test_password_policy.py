"""The password policy on every path that sets a password."""

import pytest

from inventory_auth.security import password_policy
from inventory_auth.web.messages import PASSWORD_PROBLEMS

from helpers import PASSWORD, bearer, registration

WEAK = ["contraseña123", "sena2024", "Sena2024!", "password1", "12345678", "qwertyuiop",
        "Colombia2024*", "Millonarios10", "inventario2025", "aaaaaaaaaaaa"]


@pytest.mark.parametrize("password", WEAK)
def test_register_refuses_common_passwords(client, password):
    response = client.post("/api/auth/register", json=registration(password=password))
    assert response.status_code == 422
    assert response.get_json()["errors"]["password"] == [PASSWORD_PROBLEMS[password_policy.TOO_COMMON]]


@pytest.mark.parametrize("password", ["nuevo.aprendiz99", "AprendizNuevo#1", "Nuevo Aprendiz 2026"])
def test_register_refuses_passwords_built_from_the_users_own_data(client, password):
    response = client.post("/api/auth/register", json=registration(password=password))
    assert response.status_code == 422
    assert response.get_json()["errors"]["password"] == [PASSWORD_PROBLEMS[password_policy.CONTAINS_PERSONAL]]


@pytest.mark.parametrize("length, status", [(7, 422), (8, 201), (128, 201), (129, 422)])
def test_length_bounds(client, length, status):
    password = ("Vd9#kq2LmZ" * 13)[:length]
    assert client.post("/api/auth/register", json=registration(password=password)).status_code == status


@pytest.mark.parametrize("password", ["correcto caballo bateria grapa", "Mi clave del inventario 7",
                                      "ñandú-volador-1987", "tQ7!vZ2@"])
def test_no_composition_rules(client, password):
    assert client.post("/api/auth/register", json=registration(password=password)).status_code == 201


def test_change_password_applies_the_policy(client, accounts):
    user, token = accounts.token(first_name="Marcela")
    for weak in ("sena2024", "Marcela2026!"):
        response = client.post("/api/auth/me/change-password",
                               json={"current_password": PASSWORD, "new_password": weak},
                               headers=bearer(token))
        assert response.status_code == 422
        assert "new_password" in response.get_json()["errors"]
    accounts.login(user["email"])


def test_cli_applies_the_policy(runner):
    result = runner.invoke(
        args=["users", "create", "jefe@sena.edu.co", "--first-name", "J", "--last-name", "F",
              "--role", "admin", "--password-stdin"],
        input="contraseña123\n",
    )
    assert result.exit_code != 0 and "too common" in result.output
    created = runner.invoke(
        args=["users", "create", "jefe@sena.edu.co", "--first-name", "J", "--last-name", "F",
              "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0
    weak = runner.invoke(args=["users", "set-password", "jefe@sena.edu.co", "--password-stdin"],
                         input="sena2024\n")
    assert weak.exit_code != 0 and "too common" in weak.output


def test_minimum_score_is_configurable(make_app):
    app = make_app(PASSWORD_MIN_SCORE="4")
    with app.app_context():
        assert password_policy.problems("Bogota2024*x") == [password_policy.TOO_COMMON]
    app = make_app(PASSWORD_MIN_SCORE="1")
    with app.app_context():
        assert password_policy.problems("Bogota2024*x") == []


def test_personal_words_fold_accents_and_split_names():
    words = password_policy.personal_words("jose.perez@sena.edu.co", "José Luis", "Pérez Gómez")
    assert {"joseperez", "jose", "perez", "luis", "gomez", "joseluis"} <= set(words)
    assert "sena" not in words  # the shared domain is not personal
