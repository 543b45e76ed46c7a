"""Self-registration creates only SELF_REGISTRATION_ROLES; an admin_general creates any role."""

import pytest

from helpers import PASSWORD, Accounts, bearer, registration


def admin_token(create_user, accounts, role="admin_general"):
    user = create_user(role=role)
    return accounts.login(user["email"], PASSWORD)["access_token"]


@pytest.mark.parametrize("role", ["instructor", "supervisor", "admin", "admin_general"])
def test_other_roles_are_403_without_an_admin_general_token(client, role):
    response = client.post("/api/auth/register", json=registration(role=role))
    assert response.status_code == 403
    assert role in response.get_json()["detail"]


@pytest.mark.parametrize("role", ["instructor", "admin_general"])
def test_admin_general_creates_any_role(client, create_user, accounts, role):
    token = admin_token(create_user, accounts)
    response = client.post("/api/auth/register", json=registration(role=role), headers=bearer(token))
    assert response.status_code == 201 and response.get_json()["role"] == role


@pytest.mark.parametrize("caller", ["student", "instructor", "admin"])
def test_other_callers_cannot(client, create_user, accounts, caller):
    token = admin_token(create_user, accounts, role=caller)
    response = client.post("/api/auth/register", json=registration(role="instructor"), headers=bearer(token))
    assert response.status_code == 403


def test_an_invalid_token_on_register_is_401(client):
    response = client.post("/api/auth/register", json=registration(), headers=bearer("x.y.z"))
    assert response.status_code == 401


def test_the_self_service_roles_are_configurable(make_app):
    app = make_app(SELF_REGISTRATION_ROLES="student,instructor")
    client = app.test_client()
    assert client.post("/api/auth/register", json=registration(role="instructor")).status_code == 201
    body = registration(role="supervisor", email="otro@sena.edu.co")
    assert client.post("/api/auth/register", json=body).status_code == 403
    Accounts(client).login("nuevo@sena.edu.co")
