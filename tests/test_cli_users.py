"""`flask users ...` as an administrator meets it."""

import os
import subprocess
import sys
from pathlib import Path

from helpers import PASSWORD, bearer

ROOT = Path(__file__).resolve().parent.parent

ADMIN = "rectora@sena.edu.co"


def create(runner, email=ADMIN, role="admin_general", password=PASSWORD, *extra):
    return runner.invoke(
        args=["users", "create", email, "--first-name", "Rosa", "--last-name", "Díaz",
              "--role", role, "--password-stdin", *extra],
        input=password + "\n",
    )


def test_create_admin_general_then_log_in(runner, accounts):
    result = create(runner)
    assert result.exit_code == 0, result.output
    assert "created rectora@sena.edu.co (admin_general)" in result.output
    body = accounts.login(ADMIN)
    assert body["user"]["role"] == "admin_general"


def test_create_prompts_twice_without_echo(runner, accounts):
    result = runner.invoke(
        args=["users", "create", "instructor@sena.edu.co", "--first-name", "I", "--last-name", "N",
              "--role", "instructor"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert accounts.login("instructor@sena.edu.co")["user"]["role"] == "instructor"


def test_create_refuses_mismatched_prompted_passwords(runner):
    result = runner.invoke(
        args=["users", "create", "x@sena.edu.co", "--first-name", "X", "--last-name", "Y"],
        input=f"{PASSWORD}\notra cosa distinta\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0
    assert "do not match" in result.output.lower() or "no coinciden" in result.output.lower()


def test_create_duplicate_is_one_line_error(runner):
    assert create(runner).exit_code == 0
    result = create(runner, ADMIN.upper())
    assert result.exit_code != 0
    # One line says what the command acts on (test_cli_target.py), then the error, one line.
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("environment testing, database ")
    assert lines[1:] == ["Error: that email is already registered"]


def test_create_invalid_input_changes_nothing(runner):
    result = create(runner, "no-es-correo")
    assert result.exit_code != 0 and "email" in result.output
    short = create(runner, "corto@sena.edu.co", "student", "abc")
    assert short.exit_code != 0 and "password" in short.output
    listing = runner.invoke(args=["users", "list"])
    assert "corto@sena.edu.co" not in listing.output


def test_list_filters_by_role_and_state(runner, create_user):
    create_user(role="student", email="s1@sena.edu.co")
    create_user(role="instructor", email="i1@sena.edu.co")
    create_user(role="student", email="s2@sena.edu.co", is_active=False)
    everyone = runner.invoke(args=["users", "list"])
    assert all(email in everyone.output for email in ("s1@", "i1@", "s2@"))
    students = runner.invoke(args=["users", "list", "--role", "student"]).output
    assert "s1@" in students and "s2@" in students and "i1@" not in students
    inactive = runner.invoke(args=["users", "list", "--inactive"]).output
    assert "s2@" in inactive and "s1@" not in inactive
    active_students = runner.invoke(args=["users", "list", "--role", "student", "--active"]).output
    assert "s1@" in active_students and "s2@" not in active_students


def test_show(runner, create_user):
    create_user(role="supervisor", email="sup@sena.edu.co", program="ADSO")
    result = runner.invoke(args=["users", "show", "SUP@sena.edu.co"])
    assert result.exit_code == 0
    assert "supervisor" in result.output and "ADSO" in result.output
    assert "hash" not in result.output and "pbkdf2" not in result.output


def test_unknown_user_is_an_error(runner):
    for command in (["show"], ["activate"], ["deactivate"], ["set-role"], ["set-password"]):
        args = ["users", *command, "nadie@sena.edu.co"] + (["admin"] if command == ["set-role"] else [])
        result = runner.invoke(args=args, input="x\n")
        assert result.exit_code != 0, command
        assert "no user with email nadie@sena.edu.co" in result.output


def test_set_password(runner, client, create_user, accounts):
    user = create_user()
    result = runner.invoke(args=["users", "set-password", user["email"], "--password-stdin"],
                           input="Otra frase muy segura 9\n")
    assert result.exit_code == 0, result.output
    old = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert old.status_code == 401
    accounts.login(user["email"], "Otra frase muy segura 9")


def test_set_password_validates(runner, create_user):
    user = create_user()
    result = runner.invoke(args=["users", "set-password", user["email"], "--password-stdin"], input="abc\n")
    assert result.exit_code != 0


def test_set_role(runner, create_user, accounts):
    user = create_user()
    result = runner.invoke(args=["users", "set-role", user["email"], "supervisor"])
    assert result.exit_code == 0
    assert accounts.login(user["email"])["user"]["role"] == "supervisor"
    bad = runner.invoke(args=["users", "set-role", user["email"], "rey"])
    assert bad.exit_code != 0


def test_deactivate_and_activate(runner, client, create_user, accounts):
    user = create_user()
    token = accounts.login(user["email"])["access_token"]
    assert runner.invoke(args=["users", "deactivate", user["email"]]).exit_code == 0
    login = client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert login.status_code == 403
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert runner.invoke(args=["users", "activate", user["email"]]).exit_code == 0
    assert accounts.login(user["email"])["user"]["is_active"] is True


def test_field_errors_are_said_in_english_with_the_value(runner):
    result = create(runner, "no-es-correo")
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert line == ("Error: email must be an email address of at most 255 characters, in one alphabet, "
                    "got 'no-es-correo'")
    short = create(runner, "corto@sena.edu.co", "student", "abc")
    assert "password must be 8 to 128 characters" in short.output and "abc" not in short.output


def test_a_piped_password_without_password_stdin_says_what_to_use(tmp_path):
    """A pipe is not a terminal: getpass cannot hide the input and the prompt ran out of lines."""
    environ = {**os.environ, "APP_ENV": "development", "SECRET_KEY": "k" * 40,
               "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "users", "create", "x@sena.edu.co",
         "--first-name", "X", "--last-name", "Y"],
        cwd=ROOT, env=environ, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "Error: standard input is not a terminal: to pass the password through a pipe, use " \
           "--password-stdin" in result.stderr
    assert "GetPassWarning" not in result.stderr and "Aborted!" not in result.stderr
