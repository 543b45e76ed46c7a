"""GET and PUT /api/auth/me."""

import time

import pytest

from helpers import USER_KEYS, bearer


def test_get_me_returns_the_token_user(client, accounts):
    user, token = accounts.token(program="ADSO")
    response = client.get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == USER_KEYS
    assert body["id"] == user["id"] and body["program"] == "ADSO"


def test_get_me_without_token_is_401(client):
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Token inválido o expirado"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_put_me_updates_profile_and_advances_updated_at(client, accounts):
    user, token = accounts.token()
    time.sleep(0.01)
    changes = {"first_name": "Ana", "phone": "3001234567", "program": "ADSO", "ficha": "2675890",
               "avatar_url": "https://cdn.sena.edu.co/a.png"}
    response = client.put("/api/auth/me", json=changes, headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    for name, value in changes.items():
        assert body[name] == value
    assert body["last_name"] == user["last_name"]
    assert body["updated_at"] > user["updated_at"]
    assert client.get("/api/auth/me", headers=bearer(token)).get_json() == body


def test_put_me_null_clears_an_optional_field(client, accounts):
    _, token = accounts.token(phone="3001234567")
    response = client.put("/api/auth/me", json={"phone": None}, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["phone"] is None


def test_put_me_cannot_null_a_name(client, accounts):
    _, token = accounts.token()
    response = client.put("/api/auth/me", json={"first_name": None}, headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["errors"]["first_name"] == ["Este campo no puede ser nulo."]


@pytest.mark.parametrize(
    "field, value",
    [("email", "otro@sena.edu.co"), ("role", "admin_general"), ("is_active", False),
     ("id", "00000000-0000-0000-0000-000000000000"), ("password", "x"), ("password_hash", "x"),
     ("environment_id", None), ("last_login", None), ("created_at", None)],
)
def test_put_me_refuses_fields_it_does_not_own(client, accounts, field, value):
    user, token = accounts.token()
    response = client.put("/api/auth/me", json={field: value, "first_name": "Cambio"}, headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["errors"][field] == ["Campo no permitido."]
    after = client.get("/api/auth/me", headers=bearer(token)).get_json()
    assert after["first_name"] == user["first_name"]
    assert after["role"] == "student" and after["email"] == user["email"]


def test_put_me_requires_a_token(client):
    assert client.put("/api/auth/me", json={"first_name": "X"}).status_code == 401


def test_put_me_validates_lengths(client, accounts):
    _, token = accounts.token()
    response = client.put("/api/auth/me", json={"ficha": "9" * 21}, headers=bearer(token))
    assert response.status_code == 422


@pytest.mark.parametrize("blank", ["", "   "])
def test_put_me_blank_clears_an_optional_field(client, accounts, blank):
    # Found by tests/test_fuzz.py: this used to answer 500.
    _, token = accounts.token(phone="3001234567", ficha="2675890")
    response = client.put("/api/auth/me", json={"phone": blank, "ficha": blank}, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["phone"] is None and response.get_json()["ficha"] is None
