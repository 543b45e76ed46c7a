"""`flask users` and `flask sessions` say which environment and database they act on, and refuse
a development environment with a made-up SECRET_KEY on a database that is not SQLite."""

import pytest
import sqlalchemy as sa

from inventory_auth.config import load_config
from inventory_auth.extensions import db
from inventory_auth.models import User

from helpers import PASSWORD, using_postgres

PRODUCTION_LIKE = "postgresql://inventario:secreto-de-bd@127.0.0.1:1/inventory_auth"
# What development does when SECRET_KEY is not set: it makes one up (instance/secret_key).
MADE_UP_KEY = {"SECRET_KEY_FROM_ENVIRONMENT": False}
COMMANDS = [
    ["users", "unlock", "ana@sena.edu.co"],
    ["users", "list"],
    ["users", "show", "ana@sena.edu.co"],
    ["users", "set-role", "ana@sena.edu.co", "instructor"],
    ["users", "deactivate", "ana@sena.edu.co"],
    ["users", "logout", "ana@sena.edu.co"],
    ["users", "create", "nueva@sena.edu.co", "--first-name", "N", "--last-name", "U",
     "--password-stdin"],
    ["sessions", "prune"],
]


def users_in(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_every_command_names_its_environment_and_database(make_app, create_user, args):
    app = make_app()
    create_user(email="ana@sena.edu.co")
    result = app.test_cli_runner().invoke(args=args, input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    shown = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )
    assert result.stderr.splitlines()[0] == f"environment testing, database {shown}"
    assert "environment" not in result.stdout


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_development_with_a_made_up_key_on_a_server_database_refuses(make_app, args):
    """The operator forgot SECRET_KEY: `.flaskenv` made the command a development one."""
    app = make_app(config=MADE_UP_KEY, APP_ENV="development", DATABASE_URL=PRODUCTION_LIKE)
    result = app.test_cli_runner().invoke(args=args, input=PASSWORD + "\n")
    assert result.exit_code == 1
    first, refusal = result.stderr.strip().splitlines()
    assert first == (
        "environment development, database "
        "postgresql+psycopg2://inventario:***@127.0.0.1:1/inventory_auth"
    )
    assert refusal.startswith("Error: refusing to act: APP_ENV=development")
    assert "SECRET_KEY" in refusal
    assert "secreto-de-bd" not in result.output
    assert result.stdout == ""


def test_the_refusal_changes_nothing(make_app, database_url):
    if not using_postgres():
        pytest.skip("needs a server database to point at")
    app = make_app(config=MADE_UP_KEY, APP_ENV="development")
    before = users_in(app)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "nueva@sena.edu.co", "--first-name", "N", "--last-name", "U",
              "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1 and "refusing to act" in result.stderr
    assert users_in(app) == before


def test_development_on_its_sqlite_file_acts(make_app, create_user):
    if using_postgres():
        pytest.skip("the session's database is PostgreSQL")
    app = make_app(config=MADE_UP_KEY, APP_ENV="development")
    create_user(email="ana@sena.edu.co")
    result = app.test_cli_runner().invoke(args=["users", "show", "ana@sena.edu.co"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("environment development, database sqlite:///")


def test_development_with_an_explicit_key_acts(make_app, create_user):
    app = make_app(APP_ENV="development")  # SECRET_KEY set, as the tests' environment has it
    create_user(email="ana@sena.edu.co")
    result = app.test_cli_runner().invoke(args=["users", "show", "ana@sena.edu.co"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("environment development, database ")


def test_help_is_shown_without_checking(make_app):
    app = make_app(config=MADE_UP_KEY, APP_ENV="development", DATABASE_URL=PRODUCTION_LIKE)
    result = app.test_cli_runner().invoke(args=["users", "unlock", "--help"])
    assert result.exit_code == 0 and "Forget the failed logins" in result.output


def test_the_configuration_says_whether_the_key_was_made_up(tmp_path):
    assert load_config(str(tmp_path), {"APP_ENV": "development"})["SECRET_KEY_FROM_ENVIRONMENT"] is False
    given = load_config(str(tmp_path), {"APP_ENV": "development", "SECRET_KEY": "k" * 40})
    assert given["SECRET_KEY_FROM_ENVIRONMENT"] is True
