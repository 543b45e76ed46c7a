"""POST /api/auth/login as the contract's table describes it."""

import jwt as pyjwt

from helpers import PASSWORD, TEST_SECRET, USER_KEYS, bearer


def test_login_returns_bearer_token_and_user(client, accounts):
    user = accounts.register(email="ana@sena.edu.co")
    response = client.post("/api/auth/login", json={"email": "ana@sena.edu.co", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer"
    assert set(body["user"]) == USER_KEYS
    assert body["user"]["id"] == user["id"]
    claims = pyjwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["sub"] == user["id"]
    assert claims["role"] == "student"
    assert claims["exp"] - claims["iat"] == 30 * 60


def test_login_sets_last_login(client, accounts):
    user = accounts.register()
    assert user["last_login"] is None
    body = accounts.login(user["email"])
    assert body["user"]["last_login"] is not None
    assert body["user"]["last_login"].endswith("+00:00")
    me = client.get("/api/auth/me", headers=bearer(body["access_token"])).get_json()
    assert me["last_login"] == body["user"]["last_login"]


def test_login_email_is_case_insensitive(client, accounts):
    accounts.register(email="Ana.Maria@Sena.edu.co")
    response = client.post("/api/auth/login", json={"email": "ANA.MARIA@sena.EDU.co", "password": PASSWORD})
    assert response.status_code == 200
    assert response.get_json()["user"]["email"] == "ana.maria@sena.edu.co"


def test_wrong_password_and_unknown_email_answer_alike(client, accounts):
    user = accounts.register()
    wrong = client.post("/api/auth/login", json={"email": user["email"], "password": "otra clave mala"})
    unknown = client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": PASSWORD})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.get_json() == {"detail": "Correo o contraseña incorrectos"}
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_inactive_account_is_403_only_with_the_right_password(client, create_user):
    user = create_user(is_active=False)
    right = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert right.status_code == 403
    assert right.get_json() == {"detail": "La cuenta de usuario está inactiva"}
    wrong = client.post("/api/auth/login", json={"email": user["email"], "password": "no es la clave"})
    assert wrong.status_code == 401


def test_login_validation_errors_are_422_in_spanish(client):
    response = client.post("/api/auth/login", json={"email": "no-es-un-correo", "extra": 1})
    assert response.status_code == 422
    body = response.get_json()
    assert isinstance(body["detail"], str)
    assert body["errors"]["email"] == ["Correo electrónico inválido."]
    assert body["errors"]["password"] == ["Este campo es obligatorio."]
    assert body["errors"]["extra"] == ["Campo no permitido."]


def test_login_rejects_non_string_password(client, accounts):
    user = accounts.register()
    response = client.post("/api/auth/login", json={"email": user["email"], "password": 12345678})
    assert response.status_code == 422
    assert response.get_json()["errors"]["password"] == ["Debe ser un texto."]
