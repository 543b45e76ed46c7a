"""/api/users, the app's user-management screen, as an admin_general and as anyone else meets it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import User
from inventory_auth.roles import ROLES

from helpers import PASSWORD, USER_KEYS, bearer, registration

NEW_PASSWORD = "Otra frase muy segura 9"


@pytest.fixture
def admin(create_user, accounts):
    """(user, headers) of an admin_general."""
    user = create_user(role="admin_general", email="rectora@sena.edu.co", first_name="Rosa", last_name="Díaz")
    return user, bearer(accounts.login(user["email"])["access_token"])


def set_created_at(app, user_id, moment):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == uuid.UUID(user_id)).values(created_at=moment))
        db.session.commit()


# Who may call it --------------------------------------------------------------------------------

ROUTES = [
    ("get", "/api/users/"),
    ("get", "/api/users/stats"),
    ("post", "/api/users/"),
    ("get", "/api/users/{id}"),
    ("put", "/api/users/{id}"),
    ("delete", "/api/users/{id}"),
    ("post", "/api/users/{id}/activate"),
    ("post", "/api/users/{id}/password"),
]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "admin_general"])
def test_other_roles_get_403_and_no_token_401(client, create_user, accounts, role):
    target = create_user()
    other = create_user(role=role)
    headers = bearer(accounts.login(other["email"])["access_token"])
    for method, path in ROUTES:
        url = path.format(id=target["id"])
        refused = client.open(url, method=method.upper(), headers=headers, json={})
        assert refused.status_code == 403, (method, url)
        assert refused.get_json() == {"detail": "No tiene permiso para realizar esta acción"}
        anonymous = client.open(url, method=method.upper(), json={})
        assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
        forged = client.open(url, method=method.upper(), json={}, headers=bearer("no.es.token"))
        assert forged.status_code == 401


def test_role_is_checked_before_the_body_is_read(client, create_user, accounts):
    student = create_user()
    headers = bearer(accounts.login(student["email"])["access_token"])
    assert client.post("/api/users/", headers=headers, data="no json").status_code == 403


# Listing ----------------------------------------------------------------------------------------


def test_list_is_a_plain_list_newest_first_with_total_count(app, client, admin, create_user):
    _, headers = admin
    made = [create_user(email=f"u{n}@sena.edu.co") for n in range(5)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for n, user in enumerate(made):
        set_created_at(app, user["id"], base + timedelta(days=n))
    response = client.get("/api/users/?skip=1&limit=2", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 2
    assert set(body[0]) == USER_KEYS
    assert response.headers["X-Total-Count"] == "6"
    # The admin was created now: newest. Then u4, u3...
    assert [user["email"] for user in body] == ["u4@sena.edu.co", "u3@sena.edu.co"]
    last = client.get("/api/users?skip=5&limit=2", headers=headers)
    assert [u["email"] for u in last.get_json()] == ["u0@sena.edu.co"] and last.headers[
        "X-Total-Count"
    ] == "6"
    beyond = client.get("/api/users?skip=50", headers=headers)
    assert beyond.get_json() == [] and beyond.headers["X-Total-Count"] == "6"


def test_equal_creation_times_keep_a_stable_order(app, client, admin, create_user):
    _, headers = admin
    moment = datetime(2026, 3, 3, tzinfo=UTC)
    for _ in range(6):
        set_created_at(app, create_user()["id"], moment)
    pages = [
        client.get(f"/api/users/?skip={skip}&limit=2&role=student", headers=headers).get_json()
        for skip in (0, 2, 4)
    ]
    ids = [user["id"] for page in pages for user in page]
    assert len(set(ids)) == 6


def test_filters_by_role_state_and_dates(app, client, admin, create_user):
    _, headers = admin
    old = create_user(role="instructor")
    set_created_at(app, old["id"], datetime(2025, 6, 15, 12, tzinfo=UTC))
    create_user(role="instructor", is_active=False)
    create_user(role="student")

    def emails(query):
        response = client.get("/api/users/" + query, headers=headers)
        assert response.status_code == 200, response.get_json()
        assert int(response.headers["X-Total-Count"]) == len(response.get_json())
        return {user["email"] for user in response.get_json()}

    assert len(emails("?role=instructor")) == 2
    assert len(emails("?role=instructor&is_active=true")) == 1
    assert len(emails("?is_active=false")) == 1
    assert emails("?end_date=2025-06-15") == {old["email"]}
    assert emails("?start_date=2025-06-15&end_date=2025-06-15") == {old["email"]}
    assert emails("?end_date=2025-06-15T11:59:59Z") == set()
    assert old["email"] not in emails("?start_date=2025-06-16")
    # The app sends empty parameters for filters it does not use.
    assert len(emails("?skip=0&limit=100&role=&is_active=&search=&start_date=&end_date=")) == 4


def test_search_is_a_case_insensitive_substring_with_literal_wildcards(client, admin, create_user):
    _, headers = admin
    create_user(first_name="Mariana", last_name="Gómez", email="mgomez@sena.edu.co")
    create_user(first_name="Pedro", last_name="Ramírez", email="pramirez@sena.edu.co")
    create_user(first_name="Ana", last_name="Cien%", email="ana_cien@sena.edu.co")
    create_user(first_name="Anab", last_name="Cienx", email="anaxcien@sena.edu.co")

    def found(term):
        response = client.get("/api/users/", query_string={"search": term}, headers=headers)
        assert response.status_code == 200
        return sorted(user["email"] for user in response.get_json())

    assert found("ARIAN") == ["mgomez@sena.edu.co"]
    assert found("ramí") == ["pramirez@sena.edu.co"]
    assert found("PRAMIREZ@") == ["pramirez@sena.edu.co"]
    assert found("ana_") == ["ana_cien@sena.edu.co"]  # not anaxcien: `_` is a letter here
    assert found("cien%") == ["ana_cien@sena.edu.co"]
    assert found("%") == ["ana_cien@sena.edu.co"]
    assert found("\\") == []


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=abc",
        "skip=-1",
        "skip=1.5",
        "role=rey",
        "is_active=quizas",
        "start_date=ayer",
        "end_date=2026-13-01",
        "start_date=2026-11-30T25:00",
        "search=" + "x" * 256,
    ],
)
def test_bad_query_is_422_in_the_contract_shape(client, admin, query):
    _, headers = admin
    response = client.get("/api/users/?" + query, headers=headers)
    assert response.status_code == 422, query
    body = response.get_json()
    assert body["detail"] == "Los datos enviados no son válidos"
    name = query.split("=")[0]
    assert list(body["errors"]) == [name] and all(isinstance(t, str) for t in body["errors"][name])


def test_far_dates_are_no_server_error(client, admin):
    _, headers = admin
    for query in (
        {"end_date": "9999-12-31"},
        {"start_date": "0001-01-01"},
        {"end_date": "9999-12-31T23:59:59.999999+00:00"},
        {"start_date": "0001-01-01T00:00:00-14:00"},
    ):
        response = client.get("/api/users/", query_string=query, headers=headers)
        assert response.status_code == 200, query
    east = client.get(
        "/api/users/", query_string={"start_date": "0001-01-01T00:00:00+14:00"}, headers=headers
    )
    assert east.status_code == 422


# Stats ------------------------------------------------------------------------------------------


def test_stats_count_every_role_and_recent_registrations(app, client, admin, create_user):
    _, headers = admin
    create_user(role="instructor")
    create_user(role="student", is_active=False)
    old = create_user(role="student")
    set_created_at(app, old["id"], datetime.now(UTC) - timedelta(days=8))
    expected = {
        "total_users": 4,
        "active_users": 3,
        "inactive_users": 1,
        "users_by_role": {"student": 2, "instructor": 1, "supervisor": 0, "admin": 0, "admin_general": 1},
        "recent_registrations": 3,
    }
    for path in ("/api/users/stats", "/api/users/stats/", "/api/users//stats"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.get_json() == expected


# One user ---------------------------------------------------------------------------------------


def test_every_route_answers_with_and_without_the_trailing_slash(client, admin, create_user):
    _, headers = admin
    user = create_user()
    for slash in ("", "/"):
        assert client.get(f"/api/users{slash}", headers=headers).status_code == 200
        assert client.get(f"/api/users/{user['id']}{slash}", headers=headers).status_code == 200
        put = client.put(f"/api/users/{user['id']}{slash}", headers=headers, json={"phone": "300"})
        assert put.status_code == 200
        assert client.delete(f"/api/users/{user['id']}{slash}", headers=headers).status_code == 200
        assert client.post(f"/api/users/{user['id']}/activate{slash}", headers=headers).status_code == 200
        password = client.post(
            f"/api/users/{user['id']}/password{slash}", headers=headers, json={"new_password": NEW_PASSWORD}
        )
        assert password.status_code == 200
        created = client.post(
            f"/api/users{slash}", headers=headers, json=registration(email=f"slash{len(slash)}@sena.edu.co")
        )
        assert created.status_code == 200


@pytest.mark.parametrize("user_id", ["no-es-uuid", str(uuid.uuid4()), "1", "%00"])
def test_unknown_or_malformed_id_is_404(client, admin, user_id):
    _, headers = admin
    for method, path in ROUTES:
        if "{id}" not in path:
            continue
        body = {"new_password": NEW_PASSWORD} if path.endswith("password") else {}
        response = client.open(path.format(id=user_id), method=method.upper(), headers=headers, json=body)
        assert response.status_code == 404, (method, path)
        assert response.get_json() == {"detail": "Usuario no encontrado"}


def test_create_any_role_answers_200(client, admin, accounts):
    _, headers = admin
    body = registration(email="Jefe@Sena.edu.co", role="supervisor", program="ADSO")
    response = client.post("/api/users/", headers=headers, json=body)
    assert response.status_code == 200
    user = response.get_json()
    assert set(user) == USER_KEYS and user["email"] == "jefe@sena.edu.co" and user["role"] == "supervisor"
    assert accounts.login("jefe@sena.edu.co")["user"]["role"] == "supervisor"
    again = client.post("/api/users/", headers=headers, json=body)
    assert (
        again.status_code == 400 and again.get_json()["detail"] == "El correo electrónico ya está registrado"
    )
    weak = client.post(
        "/api/users/", headers=headers, json=registration(email="w@sena.edu.co", password="password")
    )
    assert weak.status_code == 422 and "password" in weak.get_json()["errors"]


def test_update_changes_the_contract_fields_and_refuses_others(client, admin, create_user):
    _, headers = admin
    user = create_user(role="student")
    environment = str(uuid.uuid4())
    response = client.put(
        f"/api/users/{user['id']}",
        headers=headers,
        json={
            "first_name": "Nueva",
            "phone": None,
            "program": "ADSO",
            "ficha": "2567",
            "avatar_url": "https://x/a.png",
            "environment_id": environment,
            "role": "instructor",
            "is_active": True,
            "last_name": "Persona",
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["first_name"], body["role"], body["environment_id"], body["ficha"]) == (
        "Nueva",
        "instructor",
        environment,
        "2567",
    )
    for key, value in (
        ("email", "x@sena.edu.co"),
        ("password", NEW_PASSWORD),
        ("id", str(uuid.uuid4())),
        ("created_at", "2026-01-01"),
        ("role", "rey"),
        ("is_active", None),
    ):
        refused = client.put(f"/api/users/{user['id']}", headers=headers, json={key: value})
        assert refused.status_code == 422, key
        assert key in refused.get_json()["errors"]


def test_role_change_deactivation_and_admin_password_end_sessions(client, admin, create_user, accounts):
    _, headers = admin
    user = create_user()

    def token():
        return bearer(accounts.login(user["email"], password)["access_token"])

    password = PASSWORD
    session = token()
    assert (
        client.put(f"/api/users/{user['id']}", headers=headers, json={"role": "instructor"}).status_code
        == 200
    )
    assert client.get("/api/auth/me", headers=session).status_code == 401

    session = token()
    assert client.put(f"/api/users/{user['id']}", headers=headers, json={"phone": "301"}).status_code == 200
    assert client.get("/api/auth/me", headers=session).status_code == 200  # a profile edit keeps it

    answer = client.post(
        f"/api/users/{user['id']}/password", headers=headers, json={"new_password": NEW_PASSWORD}
    )
    assert answer.get_json() == {"message": "Contraseña actualizada exitosamente"}
    assert client.get("/api/auth/me", headers=session).status_code == 401
    password = NEW_PASSWORD

    session = token()
    deleted = client.delete(f"/api/users/{user['id']}", headers=headers)
    assert deleted.get_json() == {"message": "Usuario desactivado exitosamente"}
    assert client.get("/api/auth/me", headers=session).status_code == 401
    login = client.post("/api/auth/login", json={"email": user["email"], "password": password})
    assert login.status_code == 403


def test_delete_is_soft_and_activate_accepts_an_empty_json_body(client, admin, create_user, accounts):
    _, headers = admin
    user = create_user()
    client.delete(f"/api/users/{user['id']}", headers=headers)
    shown = client.get(f"/api/users/{user['id']}", headers=headers).get_json()
    assert shown["is_active"] is False
    activated = client.post(
        f"/api/users/{user['id']}/activate", headers={**headers, "Content-Type": "application/json"}, data=b""
    )
    assert activated.status_code == 200
    assert activated.get_json() == {"message": "Usuario activado exitosamente"}
    assert accounts.login(user["email"])["user"]["is_active"] is True


def test_admin_password_is_checked_by_the_policy(client, admin, create_user):
    _, headers = admin
    user = create_user(first_name="Valentina")
    for body in (
        {"new_password": "valentina2026"},
        {"new_password": "corta"},
        {},
        {"password": NEW_PASSWORD},
    ):
        response = client.post(f"/api/users/{user['id']}/password", headers=headers, json=body)
        assert response.status_code == 422, body


# The last admin_general -------------------------------------------------------------------------


def test_the_last_active_admin_general_cannot_be_deactivated_or_demoted(client, admin, create_user, accounts):
    me, headers = admin
    for method, body in (("delete", None), ("put", {"is_active": False}), ("put", {"role": "admin"})):
        response = client.open(f"/api/users/{me['id']}", method=method.upper(), headers=headers, json=body)
        assert response.status_code == 409, (method, body)
        assert "último administrador general" in response.get_json()["detail"]
    assert client.get("/api/auth/me", headers=headers).get_json()["role"] == "admin_general"

    other = create_user(role="admin_general")
    inactive = create_user(role="admin_general", is_active=False)
    assert (
        client.put(f"/api/users/{inactive['id']}", headers=headers, json={"role": "admin"}).status_code == 200
    )
    assert client.delete(f"/api/users/{other['id']}", headers=headers).status_code == 200
    assert client.delete(f"/api/users/{me['id']}", headers=headers).status_code == 409
    # A profile edit of the last admin_general is fine, and so is keeping its role.
    fine = client.put(
        f"/api/users/{me['id']}",
        headers=headers,
        json={"phone": "1", "role": "admin_general", "is_active": True},
    )
    assert fine.status_code == 200
