"""A `flask` command that cannot use its database or Redis says so in one line on stderr and exits
1: what failed and which setting to check, never a traceback. So does a bad setting.

Most tests run the real `flask --app wsgi ...` command, as an operator does; a few use the CLI
runner, as the rest of the suite does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import sqlalchemy as sa

from helpers import (
    FAST_HASH,
    PASSWORD,
    TEST_SECRET,
    bearer,
    create_postgres_database,
    drop_postgres_database,
    using_postgres,
    without_target,
)

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


def flask(*args, **environ) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "REDIS_", "TEST_", "FLASK_", "APP_"))}
    env.update({"APP_ENV": "testing", "SECRET_KEY": TEST_SECRET, "PASSWORD_HASH_METHOD": FAST_HASH})
    env.update(environ)
    return subprocess.run(
        [FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def one_line(result) -> str:
    assert result.returncode == 1, (result.stdout, without_target(result.stderr))
    lines = without_target(result.stderr).splitlines()
    assert len(lines) == 1, without_target(result.stderr)
    assert "Traceback" not in without_target(result.stderr) + result.stdout
    return lines[0]


# Each run starts a Python process (a few seconds on a busy machine): one command per group.
COMMANDS = [
    ["users", "show", "ana@sena.edu.co"],
    ["sessions", "prune"],
    ["db", "upgrade"],
    ["db", "downgrade"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_unreachable_database_is_one_line(command, closed_port):
    url = f"postgresql://postgres:hunter2@127.0.0.1:{closed_port}/inventory_auth"
    line = one_line(flask(*command, DATABASE_URL=url))
    assert line.startswith("Error: cannot use the database postgresql+psycopg2://postgres:***@127.0.0.1")
    assert "Connection refused" in line and "check DATABASE_URL" in line
    assert "hunter2" not in line


def test_settings_to_check_follow_how_the_database_was_named(closed_port):
    line = one_line(flask("users", "list", DATABASE_HOST="127.0.0.1", DATABASE_PORT=str(closed_port),
                          DATABASE_NAME="inventory_auth"))
    assert "check DATABASE_HOST, DATABASE_PORT, DATABASE_NAME" in line


def test_sqlite_file_that_cannot_be_opened_is_one_line(tmp_path):
    url = f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3"
    line = one_line(flask("db", "current", DATABASE_URL=url))
    assert "unable to open database file" in line and "check DATABASE_URL" in line


@pytest.fixture
def empty_database(tmp_path):
    """A database that exists but was never migrated."""
    if using_postgres():
        name = f"inventory_auth_empty_{os.getpid()}"
        url = create_postgres_database(name)
        yield url
        drop_postgres_database(name)
    else:
        url = f"sqlite:///{tmp_path}/empty.sqlite3"
        sa.create_engine(url).connect().close()
        yield url


def test_database_without_tables_says_run_db_upgrade(empty_database):
    line = one_line(flask("users", "logout", "ana@sena.edu.co", DATABASE_URL=empty_database))
    assert "does not have the service's tables yet" in line
    assert line.endswith("run `flask db upgrade`")


def test_postgresql_database_that_does_not_exist_is_one_line():
    if not using_postgres():
        pytest.skip("needs the PostgreSQL server (TEST_DATABASE=postgresql)")
    from helpers import POSTGRES_SERVER

    url = sa.engine.make_url(POSTGRES_SERVER).set(database="no_such_db_inventory_auth")
    line = one_line(flask("users", "list", DATABASE_URL=url.render_as_string(hide_password=False)))
    assert 'database "no_such_db_inventory_auth" does not exist' in line


@pytest.mark.parametrize(
    "command, environ, says",
    [
        (["users", "list"], {"ALGORITHM": "PS256"}, "ALGORITHM must be one of HS256, HS384, HS512"),
        (["db", "upgrade"], {"DATABASE_URL": "mysql://root@127.0.0.1/inventory"},
         "DATABASE_URL must be a postgresql://"),
        (["sessions", "prune"], {"APP_ENV": "production", "SECRET_KEY": "short"}, "SECRET_KEY must be set"),
    ],
)
def test_bad_setting_is_one_line(command, environ, says):
    line = one_line(flask(*command, **environ))
    assert line.startswith("inventory_auth: ") and says in line


def test_usage_errors_keep_clicks_format():
    result = flask("users", "set-role", "ana@sena.edu.co", "emperor", DATABASE_URL="sqlite://")
    assert result.returncode == 2
    assert "Usage: flask users set-role" in without_target(result.stderr)
    assert "Error: Invalid value for" in without_target(result.stderr)


# The CLI runner, as the rest of the suite drives commands.

def test_runner_database_without_tables(make_app, empty_database):
    runner = make_app(DATABASE_URL=empty_database).test_cli_runner()
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 1
    assert without_target(result.output).startswith("Error: the database ")
    assert "run `flask db upgrade`" in without_target(result.output)


def test_commands_need_no_redis_and_a_redis_failure_is_one_line(make_app, closed_port):
    """Sessions end in the database alone: `users logout` works with Redis down. Should a command
    ever meet a Redis error, it is one line naming REDIS_URL, without the password."""
    import redis

    from inventory_auth.cli.failures import one_line_errors

    app = make_app(REDIS_URL=f"redis://:hunter2@127.0.0.1:{closed_port}/9", RATE_LIMITS_ENABLED="false")
    runner = app.test_cli_runner()
    assert runner.invoke(
        args=["users", "create", "ana@sena.edu.co", "--first-name", "Ana", "--last-name", "P",
              "--password-stdin"],
        input=PASSWORD + "\n",
    ).exit_code == 0
    login = app.test_client().post("/api/auth/login", json={"email": "ana@sena.edu.co", "password": PASSWORD})
    assert login.status_code == 200
    result = runner.invoke(args=["users", "logout", "ana@sena.edu.co"])
    assert result.exit_code == 0, without_target(result.output)
    token = login.get_json()["access_token"]
    assert app.test_client().get("/api/auth/me", headers=bearer(token)).status_code == 401

    with app.app_context(), pytest.raises(click.ClickException) as failure, one_line_errors():
        redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=0.5).ping()
    line = failure.value.message
    assert "check REDIS_URL" in line and "hunter2" not in line and "\n" not in line
