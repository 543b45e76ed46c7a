"""POST /api/auth/register."""

import pytest

from helpers import USER_KEYS, registration


def test_register_answers_201_with_user_response(client):
    response = client.post("/api/auth/register", json=registration(ficha="2504321"))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == USER_KEYS
    assert body["email"] == "nuevo@sena.edu.co"
    assert body["ficha"] == "2504321"
    assert body["phone"] is None and body["program"] is None
    assert body["is_active"] is True
    assert body["role"] == "student"
    assert body["created_at"].endswith("+00:00")
    assert "password" not in str(body)


def test_register_accepts_explicit_nulls_for_every_optional_field(client):
    body = registration(phone=None, program=None, ficha=None, avatar_url=None)
    assert client.post("/api/auth/register", json=body).status_code == 201


def test_duplicate_email_is_400_whatever_the_case(client):
    assert client.post("/api/auth/register", json=registration()).status_code == 201
    again = client.post("/api/auth/register", json=registration(email="NUEVO@Sena.edu.co"))
    assert again.status_code == 400
    assert again.get_json() == {"detail": "El correo electrónico ya está registrado"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("email", "a" * 250 + "@sena.edu.co"),
        ("first_name", "x" * 101),
        ("last_name", "x" * 101),
        ("phone", "1" * 21),
        ("program", "p" * 101),
        ("ficha", "f" * 21),
        ("avatar_url", "https://example.com/" + "a" * 490),
    ],
)
def test_over_long_values_are_422_not_database_errors(client, field, value):
    response = client.post("/api/auth/register", json=registration(**{field: value}))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_values_at_the_column_limits_are_stored(client):
    avatar = "https://cdn.sena.edu.co/" + "h" * 476  # 500 characters, an http(s) URL
    body = registration(first_name="x" * 100, phone="1" * 20, ficha="f" * 20, avatar_url=avatar)
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201
    assert response.get_json()["avatar_url"] == avatar


def test_unknown_role_and_fields_are_refused(client):
    response = client.post("/api/auth/register", json=registration(role="superuser", is_active=False))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "role" in errors and errors["is_active"] == ["Campo no permitido."]


@pytest.mark.parametrize("missing", ["email", "password", "first_name", "last_name", "role"])
def test_required_fields(client, missing):
    body = registration()
    del body[missing]
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"][missing] == ["Este campo es obligatorio."]


def test_blank_names_are_refused(client):
    response = client.post("/api/auth/register", json=registration(first_name="   "))
    assert response.status_code == 422
    assert "first_name" in response.get_json()["errors"]


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_optional_fields_are_stored_as_null(client, blank):
    # Found by tests/test_fuzz.py: a blank optional field used to reach its length check as None
    # and answer 500.
    body = registration(phone=blank, program=blank, ficha=blank, avatar_url=blank)
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.get_json()
    user = response.get_json()
    assert [user[name] for name in ("phone", "program", "ficha", "avatar_url")] == [None] * 4
