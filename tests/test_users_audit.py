"""Account administration leaves its trail: each API and `flask users` action, who did it, the
fields before and after, and never a password, hash or token."""

import json

import sqlalchemy as sa

from inventory_auth.extensions import db

from helpers import PASSWORD, audit_rows, bearer, registration

NEW_PASSWORD = "Otra frase muy segura 9"




def admin_headers(create_user, accounts):
    admin = create_user(role="admin_general", email="rectora@sena.edu.co")
    return admin, bearer(accounts.login(admin["email"])["access_token"])


def test_api_actions_are_recorded_with_the_admin_as_actor(app, client, create_user, accounts):
    admin, headers = admin_headers(create_user, accounts)
    headers = {**headers, "User-Agent": "inventario-app/2.1"}
    created = client.post("/api/users/", headers=headers, json=registration(role="instructor")).get_json()
    uid = created["id"]
    client.put(
        f"/api/users/{uid}",
        headers=headers,
        json={"phone": "300", "first_name": "Nuevo", "role": "supervisor"},
    )
    client.delete(f"/api/users/{uid}", headers=headers)
    client.post(f"/api/users/{uid}/activate", headers=headers)
    client.post(f"/api/users/{uid}/password", headers=headers, json={"new_password": NEW_PASSWORD})

    expected = {
        "user_create": (None, {"role": "instructor"}),
        "user_update": ({"phone": None}, {"phone": "300"}),
        "user_role_change": ({"role": "instructor"}, {"role": "supervisor"}),
        "user_deactivate": ({"is_active": True}, {"is_active": False}),
        "user_activate": ({"is_active": False}, {"is_active": True}),
        "user_set_password": (None, None),
    }
    for action, (old, new) in expected.items():
        [row] = audit_rows(app, action)
        assert str(row.user_id) == admin["id"] and str(row.entity_id) == uid, action
        assert row.user_agent == "inventario-app/2.1" and row.ip_address == "127.0.0.1"
        assert row.session_id is not None
        if old is not None:
            assert row.old_values.items() >= old.items(), action
        if new is not None:
            assert row.new_values.items() >= new.items(), action
    # First name unchanged ("Nuevo" was already the registration's): not in the update row.
    [update] = audit_rows(app, "user_update")
    assert set(update.new_values) == {"phone"}
    [create] = audit_rows(app, "user_create")
    assert "password" not in create.new_values and create.new_values["email"] == "nuevo@sena.edu.co"


def test_a_refused_change_records_nothing(app, client, create_user, accounts):
    admin, headers = admin_headers(create_user, accounts)
    before = len(audit_rows(app))
    assert client.delete(f"/api/users/{admin['id']}", headers=headers).status_code == 409
    assert client.put(f"/api/users/{admin['id']}", headers=headers, json={"role": "admin"}).status_code == 409
    assert (
        client.post(
            f"/api/users/{admin['id']}/password", headers=headers, json={"new_password": "rectora2026"}
        ).status_code
        == 422
    )
    assert len(audit_rows(app)) == before


def test_reading_writes_nothing(app, client, create_user, accounts):
    admin, headers = admin_headers(create_user, accounts)
    before = len(audit_rows(app))
    for path in ("/api/users/", "/api/users/stats", f"/api/users/{admin['id']}", "/api/users/?search=ana"):
        assert client.get(path, headers=headers).status_code == 200
    assert len(audit_rows(app)) == before


def cli(runner, *args, stdin=None):
    result = runner.invoke(args=["users", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return result


def test_cli_actions_are_recorded_as_the_command_with_no_actor(app, runner, create_user, accounts):
    create_user(role="admin_general")  # so the target may lose the role
    user = create_user(role="student", email="ana@sena.edu.co")
    accounts.login(user["email"])
    cli(
        runner,
        "create",
        "jefe@sena.edu.co",
        "--first-name",
        "J",
        "--last-name",
        "F",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    cli(runner, "update", "ana@sena.edu.co", "--phone", "3001234567", "--first-name", "Ana María")
    cli(runner, "set-role", "ana@sena.edu.co", "instructor")
    cli(runner, "deactivate", "ana@sena.edu.co")
    cli(runner, "activate", "ana@sena.edu.co")
    cli(runner, "set-password", "ana@sena.edu.co", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    cli(runner, "logout", "ana@sena.edu.co")
    cli(runner, "unlock", "ana@sena.edu.co")

    commands = {
        "user_create": "create",
        "user_update": "update",
        "user_role_change": "set-role",
        "user_deactivate": "deactivate",
        "user_activate": "activate",
        "user_set_password": "set-password",
        "user_logout": "logout",
        "user_unlock": "unlock",
    }
    for action, command in commands.items():
        [row] = audit_rows(app, action)
        assert row.user_agent == f"flask users {command}", action
        assert row.user_id is None and row.ip_address is None and row.session_id is None
        if action != "user_create":
            assert str(row.entity_id) == user["id"], action
    [update] = audit_rows(app, "user_update")
    assert update.old_values == {"phone": None, "first_name": "Usuario"}
    assert update.new_values == {"phone": "3001234567", "first_name": "Ana María"}
    assert audit_rows(app, "user_role_change")[0].new_values == {"role": "instructor"}


def test_no_admin_row_holds_a_password_hash_or_token(app, client, runner, create_user, accounts):
    _admin, headers = admin_headers(create_user, accounts)
    user = create_user()
    token = accounts.login(user["email"])["access_token"]
    client.post(f"/api/users/{user['id']}/password", headers=headers, json={"new_password": NEW_PASSWORD})
    client.post("/api/users/", headers=headers, json=registration(password="Clave del nuevo usuario 77"))
    cli(runner, "set-password", user["email"], "--password-stdin", stdin="Tercera clave muy segura 5\n")
    with app.app_context():
        hashes = db.session.scalars(sa.text("SELECT password_hash FROM users")).all()
    for row in audit_rows(app):
        text = json.dumps([row.old_values, row.new_values, row.user_agent, row.session_id])
        for secret in (
            PASSWORD,
            NEW_PASSWORD,
            "Clave del nuevo usuario 77",
            "Tercera clave muy segura 5",
            token,
            *hashes,
        ):
            assert secret not in text
