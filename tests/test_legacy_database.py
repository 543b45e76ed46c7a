"""The previous backend's real database, adopted with `flask db upgrade` and given back with
`flask db downgrade`, checked through the HTTP API and the CLI (PostgreSQL only)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from inventory_auth import MIGRATIONS_DIRECTORY, create_app
from inventory_auth.extensions import MIGRATIONS_VERSION_TABLE, db

import legacy_backend as legacy
from helpers import base_environ, using_postgres

pytestmark = pytest.mark.skipif(not using_postgres(), reason="the previous backend ran on PostgreSQL")

ACTIVE = [user for user in legacy.USERS if user.is_active]
INACTIVE = [user for user in legacy.USERS if not user.is_active]  # NULL and false
OTHER_TABLES = [name for name in legacy.TABLES if name != "users"]
LAURA = legacy.USERS_BY_EMAIL["Laura.Gomez@sena.edu.co"]

# Every constraint outside this service's own tables, with its definition.
CONSTRAINTS = sa.text("""
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
      AND conrelid::regclass::text IN :tables ORDER BY 1, 2
""").bindparams(sa.bindparam("tables", expanding=True))


@pytest.fixture
def legacy_url(fresh_database):
    url = fresh_database()
    legacy.build(url)
    return url


@pytest.fixture
def legacy_app(legacy_url):
    app = create_app(environ=base_environ(legacy_url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def flask(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def one_rendering(text):
    """PostgreSQL renders `CHECK (x IN ('a', 'b'))` on a varchar column in one form when it is
    created and in another once it has been read back (a restored dump, a re-added constraint):
    the same rule, shown here in the first form."""
    def first_form(match):
        values = re.findall(r"'(?:[^']|'')*'::character varying", match.group(1))
        return f"ANY ((ARRAY[{', '.join(values)}])::text[])"
    return re.sub(r"ANY \(ARRAY\[((?:\('(?:[^']|'')*'::character varying\)::text(?:, )?)+)\]\)",
                  first_form, text)


def snapshot(url, tables=OTHER_TABLES):
    """Each table's rows (as text, in order) and every constraint of those tables."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = {
            name: connection.execute(sa.text(
                f"SELECT array_agg(t::text ORDER BY t::text) FROM {name} t"  # noqa: S608
            )).scalar()
            for name in tables
        }
        constraints = [(table, name, one_rendering(definition)) for table, name, definition
                       in connection.execute(CONSTRAINTS, {"tables": tables})]
    engine.dispose()
    return rows, constraints


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def stored_users(app):
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM users")).mappings().all()
        return {row["id"]: row for row in rows}


def test_upgrade_leaves_every_other_table_its_rows_and_keys_untouched(legacy_url, legacy_app):
    before = snapshot(legacy_url)
    assert all(before[0][name] for name in OTHER_TABLES)  # every table has rows to compare

    flask(legacy_app, "db", "upgrade")

    assert snapshot(legacy_url) == before  # alembic_version included: its revision stays
    with legacy_app.app_context():
        engine = db.engine
        references = [
            fk for table in OTHER_TABLES for fk in sa.inspect(engine).get_foreign_keys(table)
            if fk["referred_table"] == "users"
        ]
        version = db.session.execute(sa.text(f"SELECT version_num FROM {MIGRATIONS_VERSION_TABLE}"))
        assert version.scalar() == ScriptDirectory(str(MIGRATIONS_DIRECTORY)).get_current_head()
    assert len(references) == 18  # from 14 tables; with centers, environments, inventory_items: 17


def test_ids_data_and_timestamps_are_preserved(legacy_app):
    flask(legacy_app, "db", "upgrade")
    client = legacy_app.test_client()
    for user in ACTIVE:
        response = login(client, user.email, user.password)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()["user"]
        assert body["id"] == str(user.id)
        assert body["email"] == user.email
        assert (body["first_name"], body["last_name"], body["role"]) == (
            user.first_name, user.last_name, user.role)
        assert (body["phone"], body["program"], body["ficha"], body["avatar_url"]) == (
            user.phone, user.program, user.ficha, user.avatar_url)
        assert body["environment_id"] == (str(user.environment_id) if user.environment_id else None)
        if user.created_at is not None:  # naive values were UTC: the same instant, now explicit
            assert body["created_at"] == user.created_at.replace(tzinfo=UTC).isoformat()


def test_the_cli_shows_the_same_accounts(legacy_app):
    flask(legacy_app, "db", "upgrade")
    shown = flask(legacy_app, "users", "show", LAURA.email)
    assert f"id          {LAURA.id}" in shown
    assert "last login  2025-05-30T22:45:00+00:00" in shown
    assert "created     2024-02-01T14:05:09+00:00" in shown
    assert "updated     2025-03-01T13:30:00+00:00" in shown
    listed = flask(legacy_app, "users", "list")
    assert all(user.email in listed for user in legacy.USERS)


def test_missing_timestamps_are_filled_from_what_the_row_knows(legacy_app):
    flask(legacy_app, "db", "upgrade")
    users = stored_users(legacy_app)
    technician = users[legacy.uid(106)]  # created_at, updated_at NULL; last_login known
    assert technician["created_at"] == legacy.USERS[5].last_login.replace(tzinfo=UTC)
    assert technician["updated_at"] == technician["created_at"]
    not_updated = users[legacy.uid(107)]  # updated_at NULL
    assert not_updated["updated_at"] == not_updated["created_at"] == legacy.USERS[6].created_at.replace(
        tzinfo=UTC)
    never = users[legacy.uid(103)]
    assert never["last_login"] is None  # never logged in stays never


@pytest.mark.parametrize("user", ACTIVE, ids=[user.email for user in ACTIVE])
def test_old_passwords_log_in_and_are_rehashed(legacy_app, user):
    flask(legacy_app, "db", "upgrade")
    client = legacy_app.test_client()
    assert stored_users(legacy_app)[user.id]["password_hash"].startswith("$2b$12$")

    assert login(client, user.email, user.password).status_code == 200

    assert stored_users(legacy_app)[user.id]["password_hash"].startswith("pbkdf2:sha256:")
    assert login(client, user.email, user.password).status_code == 200
    assert login(client, user.email, user.password + "x").status_code == 401


@pytest.mark.parametrize("user", INACTIVE, ids=["is_active NULL", "is_active false"])
def test_accounts_the_previous_backend_refused_stay_refused(legacy_app, user):
    flask(legacy_app, "db", "upgrade")
    client = legacy_app.test_client()

    response = login(client, user.email, user.password)

    assert response.status_code == 403, response.get_json()
    listed = flask(legacy_app, "users", "list", "--inactive")
    assert user.email in listed


def test_a_case_variant_email_is_one_account(legacy_app):
    flask(legacy_app, "db", "upgrade")
    client = legacy_app.test_client()

    response = login(client, LAURA.email.upper(), LAURA.password)
    assert response.status_code == 200
    assert response.get_json()["user"]["id"] == str(LAURA.id)
    taken = client.post("/api/auth/register", json={
        "email": LAURA.email.lower(), "password": "Otra clave muy distinta 99",
        "first_name": "Laura", "last_name": "Copia", "role": "student",
    })
    assert taken.status_code == 400
    assert LAURA.email.lower() in flask(legacy_app, "users", "show", LAURA.email.lower()).lower()


def libpq(url):
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def schema_dump(url):
    dump = subprocess.run(["pg_dump", "--schema-only", "--no-owner", libpq(url)],
                          capture_output=True, text=True, check=True)
    return [one_rendering(line) for line in dump.stdout.splitlines()
            if not line.startswith(("\\restrict", "\\unrestrict"))]


needs_pg_tools = pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None, reason="needs pg_dump"
)


@needs_pg_tools
def test_downgrade_gives_back_the_previous_schema_with_every_write(legacy_url, legacy_app):
    schema_before = schema_dump(legacy_url)
    rows_before = snapshot(legacy_url)
    flask(legacy_app, "db", "upgrade")
    client = legacy_app.test_client()
    assert login(client, LAURA.email, LAURA.password).status_code == 200
    with legacy_app.app_context():  # a write to another table while this service runs
        db.session.execute(sa.text("UPDATE notifications SET is_read = true"))
        db.session.commit()

    flask(legacy_app, "db", "downgrade", "base")
    with legacy_app.app_context():
        db.session.execute(sa.text(f"DROP TABLE {MIGRATIONS_VERSION_TABLE}"))
        db.session.commit()

    assert schema_dump(legacy_url) == schema_before
    rows, constraints = snapshot(legacy_url)
    assert constraints == rows_before[1]
    assert rows["notifications"] != rows_before[0]["notifications"]  # the write was kept
    users = stored_users(legacy_app)
    assert len(users) == len(legacy.USERS)
    assert users[legacy.uid(104)]["is_active"] is False  # refused there as NULL was
    assert users[LAURA.id]["created_at"] == LAURA.created_at  # naive UTC again
    assert users[LAURA.id]["last_login"].tzinfo is None


def test_an_adopted_table_is_given_back_never_dropped_and_can_be_adopted_again(legacy_app):
    flask(legacy_app, "db", "upgrade")
    flask(legacy_app, "db", "downgrade", "-x", "drop_users=yes", "base")
    assert len(stored_users(legacy_app)) == len(legacy.USERS)
    flask(legacy_app, "db", "upgrade")
    assert login(legacy_app.test_client(), LAURA.email, LAURA.password).status_code == 200


def test_a_database_not_on_utc_is_reported(legacy_url, legacy_app, caplog):
    name = sa.engine.make_url(legacy_url).database
    engine = sa.create_engine(legacy_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"ALTER DATABASE \"{name}\" SET timezone = 'America/Bogota'"))
    engine.dispose()

    flask(legacy_app, "db", "upgrade")

    assert "TimeZone is not UTC" in caplog.text


@needs_pg_tools
def test_the_backup_restores_into_a_fresh_database(legacy_url, legacy_app, fresh_database, tmp_path):
    backup = tmp_path / "before-auth.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(backup), libpq(legacy_url)], check=True)
    before = schema_dump(legacy_url), snapshot(legacy_url, list(legacy.TABLES))
    flask(legacy_app, "db", "upgrade")
    assert login(legacy_app.test_client(), LAURA.email, LAURA.password).status_code == 200

    restored = fresh_database()
    subprocess.run(["pg_restore", "--exit-on-error", "--no-owner", "-d", libpq(restored), str(backup)],
                   check=True, capture_output=True)

    assert (schema_dump(restored), snapshot(restored, list(legacy.TABLES))) == before


@needs_pg_tools
def test_after_the_downgrade_the_backup_restores_in_place(legacy_url, legacy_app, tmp_path):
    backup = tmp_path / "before-auth.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(backup), libpq(legacy_url)], check=True)
    before = schema_dump(legacy_url), snapshot(legacy_url, list(legacy.TABLES))
    flask(legacy_app, "db", "upgrade")
    assert login(legacy_app.test_client(), LAURA.email, LAURA.password).status_code == 200
    flask(legacy_app, "db", "downgrade", "base")
    with legacy_app.app_context():
        db.session.execute(sa.text(f"DROP TABLE {MIGRATIONS_VERSION_TABLE}"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    subprocess.run(["pg_restore", "--clean", "--if-exists", "--exit-on-error", "--no-owner",
                    "-d", libpq(legacy_url), str(backup)], check=True, capture_output=True)

    assert (schema_dump(legacy_url), snapshot(legacy_url, list(legacy.TABLES))) == before


@needs_pg_tools
def test_a_clean_restore_over_the_adopted_database_fails(legacy_url, legacy_app, tmp_path):
    """Why the way back goes through the downgrade: this service's tables hold on to users."""
    backup = tmp_path / "before-auth.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(backup), libpq(legacy_url)], check=True)
    flask(legacy_app, "db", "upgrade")
    with legacy_app.app_context():
        db.session.remove()
        db.engine.dispose()

    restore = subprocess.run(["pg_restore", "--clean", "--if-exists", "--exit-on-error", "--no-owner",
                              "-d", libpq(legacy_url), str(backup)], capture_output=True, text=True)

    assert restore.returncode != 0
    assert "auth_sessions" in restore.stderr


def previous_backend_token(app, user, issued=None):
    """Minted as it minted them: sub, role and exp only, HS256, 30 days, the same key."""
    issued = issued or datetime.now(UTC)
    claims = {"sub": str(user.id), "role": user.role, "exp": issued + timedelta(days=30)}
    return jwt.encode(claims, app.config["SECRET_KEY"], algorithm="HS256")


def me(client, token):
    return client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_tokens_the_previous_backend_issued_are_refused_by_default(legacy_app):
    flask(legacy_app, "db", "upgrade")

    response = me(legacy_app.test_client(), previous_backend_token(legacy_app, LAURA))

    assert response.status_code == 401, response.get_json()


@pytest.fixture
def window_app(legacy_url):
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    app = create_app(environ=base_environ(legacy_url, LEGACY_TOKENS_UNTIL=until))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_within_the_window_their_tokens_work_until_something_ends_them(window_app):
    flask(window_app, "db", "upgrade")
    client = window_app.test_client()
    by_email = legacy.USERS_BY_EMAIL
    tokens = {user.email: previous_backend_token(window_app, user) for user in legacy.USERS}

    for user in legacy.USERS:  # before anyone has signed in here
        response = me(client, tokens[user.email])
        assert response.status_code == (200 if user.is_active else 401), user.email
        if user.is_active:
            assert response.get_json()["id"] == str(user.id)

    rector, laura, student, _, _, technician, other = (user.email for user in legacy.USERS)
    flask(window_app, "users", "deactivate", technician)
    flask(window_app, "users", "set-role", other, "instructor")
    flask(window_app, "users", "logout", rector)
    session = login(client, student, by_email[student].password).get_json()["access_token"]
    assert client.post("/api/auth/logout-all",
                       headers={"Authorization": f"Bearer {session}"}).status_code == 200
    changed = client.post("/api/auth/me/change-password",
                          headers={"Authorization": f"Bearer {tokens[laura]}"},
                          json={"current_password": LAURA.password,
                                "new_password": "Una frase nueva para el ambiente 204"})
    assert changed.status_code == 200, changed.get_json()

    for email in (technician, other, rector, student, laura):
        assert me(client, tokens[email]).status_code == 401, email
    forged = {"sub": str(LAURA.id), "role": "admin_general", "exp": datetime.now(UTC) + timedelta(days=29)}
    assert me(client, jwt.encode(forged, window_app.config["SECRET_KEY"], algorithm="HS256")
              ).status_code == 401


def test_after_the_window_their_tokens_are_refused_again(legacy_url):
    until = datetime.now(UTC) + timedelta(seconds=3)
    app = create_app(environ=base_environ(legacy_url, LEGACY_TOKENS_UNTIL=until.isoformat()))
    flask(app, "db", "upgrade")
    client = app.test_client()
    token = previous_backend_token(app, LAURA)
    assert me(client, token).status_code == 200

    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.05)

    assert me(client, token).status_code == 401
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_way_back_bcrypt_keeps_every_hash_readable_by_the_previous_backend(legacy_url, legacy_app):
    """PASSWORD_HASH_METHOD=bcrypt: after the upgrade, logins, a registration and a password
    change, the previous backend (passlib: bcrypt.checkpw of the raw password's first 72 bytes)
    can read every hash; switching the method back rehashes at the next login."""
    flask(legacy_app, "db", "upgrade")
    assert login(legacy_app.test_client(), LAURA.email, LAURA.password).status_code == 200
    assert stored_users(legacy_app)[LAURA.id]["password_hash"].startswith("pbkdf2:")  # signed in here
    app = create_app(environ=base_environ(legacy_url, PASSWORD_HASH_METHOD="bcrypt"))
    client = app.test_client()
    passwords = {user.id: user.password for user in legacy.USERS}
    before = stored_users(app)

    for user in ACTIVE:
        assert login(client, user.email, user.password).status_code == 200, user.email
    new_password = "Contraseña del almacén nº 7, bloque A"
    registered = client.post("/api/auth/register", json={
        "email": "nueva.aprendiz@sena.edu.co", "password": new_password, "first_name": "Nueva",
        "last_name": "Aprendiz", "role": "student"})
    assert registered.status_code == 201, registered.get_json()
    passwords[uuid.UUID(registered.get_json()["id"])] = new_password
    student = legacy.USERS[2]  # the 83-byte password: still signs in, kept as it was
    token = login(client, student.email, student.password).get_json()["access_token"]
    changed_to = "Otra frase para el cuaderno del ambiente 204"
    changed = client.post("/api/auth/me/change-password", headers={"Authorization": f"Bearer {token}"},
                          json={"current_password": student.password, "new_password": changed_to})
    assert changed.status_code == 200, changed.get_json()
    passwords[student.id] = changed_to

    after = stored_users(app)
    assert len(after) == len(legacy.USERS) + 1
    for user_id, row in after.items():
        stored = row["password_hash"]
        assert stored.startswith("$2b$12$"), row["email"]
        assert bcrypt.checkpw(passwords[user_id].encode()[:72], stored.encode()), row["email"]
    for user in legacy.USERS:  # the previous backend's own hashes were not rewritten
        if user.id not in (LAURA.id, student.id):
            assert after[user.id]["password_hash"] == before[user.id]["password_hash"]

    default = legacy_app.test_client()  # the method switched back
    assert login(default, LAURA.email, LAURA.password).status_code == 200
    assert stored_users(app)[LAURA.id]["password_hash"].startswith("pbkdf2:sha256:1000$")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
