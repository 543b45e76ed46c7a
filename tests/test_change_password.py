"""POST /api/auth/me/change-password."""

from helpers import PASSWORD, bearer

NEW_PASSWORD = "Nueva frase secreta 77"


def change(client, token, current, new):
    return client.post(
        "/api/auth/me/change-password",
        json={"current_password": current, "new_password": new},
        headers=bearer(token),
    )


def test_change_password_then_login_with_the_new_one(client, accounts):
    user, token = accounts.token()
    response = change(client, token, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 200
    assert response.get_json()["message"] == "Contraseña actualizada exitosamente"
    old = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert old.status_code == 401
    assert accounts.login(user["email"], NEW_PASSWORD)["user"]["id"] == user["id"]


def test_wrong_current_password_is_400_and_changes_nothing(client, accounts):
    user, token = accounts.token()
    response = change(client, token, "no es la actual", NEW_PASSWORD)
    assert response.status_code == 400
    assert response.get_json() == {"detail": "Contraseña actual incorrecta"}
    accounts.login(user["email"], PASSWORD)


def test_change_password_needs_a_token(client):
    response = client.post(
        "/api/auth/me/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 401


def test_change_password_validates_its_body(client, accounts):
    _, token = accounts.token()
    response = client.post(
        "/api/auth/me/change-password", json={"new_password": "corta"}, headers=bearer(token)
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "current_password" in errors and "new_password" in errors
