"""`flask users import FILE`: the same import from the server's shell, through `runner.invoke`;
and two imports of overlapping files at the same moment (no duplicate account, no 500)."""

from __future__ import annotations

import threading

import click._termui_impl as click_terminal
import pytest
import sqlalchemy as sa

from inventory_auth.cli import importing
from inventory_auth.extensions import db
from inventory_auth.models import User

from helpers import PASSWORD, audit_rows, bearer, using_postgres, without_target
from roster_files import csv_bytes, xlsx_bytes

HEADER = ["Correo", "Nombres", "Apellidos", "Rol"]
ROSTER = [
    HEADER,
    ["ana@soy.sena.edu.co", "Ana", "Gómez", ""],
    ["luis@soy.sena.edu.co", "Luis", "Peña", "instructor"],
]


def emails(app):
    with app.app_context():
        return sorted(db.session.scalars(sa.select(User.email)))


@pytest.fixture
def roster_file(tmp_path):
    def write(rows, name="ficha.csv", **options):
        path = tmp_path / name
        path.write_bytes(xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows, **options))
        return str(path)

    return write


def test_import_creates_the_accounts_and_says_what_it_did(app, runner, roster_file):
    result = runner.invoke(args=["users", "import", roster_file(ROSTER, "ficha.xlsx"), "--no-invitations"])
    assert result.exit_code == 0, result.output
    assert without_target(result.output).splitlines() == [
        "imported ficha.xlsx: 2 row(s), 2 created, 0 updated, 0 unchanged, 0 invited"
    ]
    assert emails(app) == ["ana@soy.sena.edu.co", "luis@soy.sena.edu.co"]
    (record,) = audit_rows(app, "user_import")
    assert record.user_agent == "flask users import" and record.user_id is None
    assert record.new_values["file_name"] == "ficha.xlsx"
    assert len(audit_rows(app, "user_create")) == 2


def test_row_errors_one_per_line_exit_1_and_nothing_written(app, runner, roster_file):
    rows = ROSTER + [["no-es-correo", "X", "Y", "rector"], ["ANA@soy.sena.edu.co", "Ana", "Otra", ""]]
    result = runner.invoke(args=["users", "import", roster_file(rows, separator=";", encoding="cp1252")])
    assert result.exit_code == 1
    assert without_target(result.output).splitlines() == [
        "row 2, Correo: this email is also on row(s) 5",
        "row 4, Correo: Correo electrónico inválido.",
        "row 4, Rol: Rol inválido; debe ser uno de: student, instructor, supervisor, admin, admin_general.",
        "row 5, Correo: this email is also on row(s) 2",
        "Error: 3 row(s) with errors; nothing was imported",
    ]
    assert emails(app) == []
    assert audit_rows(app) == []


def test_a_dry_run_writes_nothing_and_exits_0(app, runner, roster_file):
    result = runner.invoke(args=["users", "import", roster_file(ROSTER), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "dry run of ficha.csv, nothing written: 2 row(s), 2 created, 0 updated, 0 unchanged, 2 to invite"
        in result.output
    )
    assert emails(app) == []


def test_update_existing_goes_through_the_admin_rules(app, runner, roster_file, create_user):
    create_user(email="luis@soy.sena.edu.co", first_name="Luis", last_name="Peña", role="student")
    skipped = runner.invoke(args=["users", "import", roster_file(ROSTER), "--no-invitations"])
    assert "1 created, 0 updated, 1 unchanged" in skipped.output
    rows = [HEADER, ["luis@soy.sena.edu.co", "Luis", "Peña", "instructor"]]
    updated = runner.invoke(args=["users", "import", roster_file(rows), "--update-existing"])
    assert updated.exit_code == 0 and "0 created, 1 updated, 0 unchanged" in updated.output
    (change,) = audit_rows(app, "user_role_change")
    assert change.new_values["role"] == "instructor" and change.user_agent == "flask users import"


def test_an_unreadable_file_is_one_english_line(runner, roster_file, tmp_path):
    path = tmp_path / "viejo.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert without_target(result.output) == (
        "Error: cannot read this file: save it as an Excel workbook (.xlsx) or as CSV, without a password\n"
    )
    missing = runner.invoke(args=["users", "import", roster_file([["nombres", "apellidos"], ["A", "B"]])])
    assert without_target(missing.output) == "Error: required columns missing: email\n"


def test_a_progress_bar_on_a_terminal_only(runner, roster_file, monkeypatch):
    piped = runner.invoke(args=["users", "import", roster_file(ROSTER), "--dry-run"])
    assert "checking" not in piped.output
    monkeypatch.setattr(importing, "_is_terminal", lambda: True)
    monkeypatch.setattr(click_terminal, "isatty", lambda _stream: True)  # click's own check
    shown = runner.invoke(args=["users", "import", roster_file(ROSTER), "--dry-run"])
    assert shown.exit_code == 0
    assert "checking ficha.csv" in shown.output and "100%" in shown.output


# Two imports at once ----------------------------------------------------------------------------


@pytest.mark.skipif(not using_postgres(), reason="concurrent writers: PostgreSQL")
def test_concurrent_overlapping_imports_leave_no_duplicate(make_app, create_user):
    app = make_app(DATABASE_POOL_SIZE="4")
    admin = create_user(role="admin_general", email="rectora@sena.edu.co")
    token = app.test_client().post("/api/auth/login", json={"email": admin["email"], "password": PASSWORD})
    headers = bearer(token.get_json()["access_token"])
    header = ["correo", "nombres", "apellidos"]
    files = [
        csv_bytes([header] + [[f"a{i}@soy.sena.edu.co", "A", f"{i}"] for i in range(0, 300)]),
        csv_bytes([header] + [[f"a{i}@soy.sena.edu.co", "A", f"{i}"] for i in range(150, 450)]),
        csv_bytes([header] + [[f"a{i}@soy.sena.edu.co", "A", f"{i}"] for i in range(299, -1, -1)]),
    ]
    barrier = threading.Barrier(len(files))
    answers = [None] * len(files)

    def run(index):
        client = app.test_client()
        barrier.wait()
        answers[index] = client.post(
            "/api/users/import",
            data=files[index],
            content_type="text/csv",
            headers=headers,
            query_string={"invite": "false"},
        )

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 409}, [answer.get_json() for answer in answers]
    created = sum(answer.get_json()["created"] for answer in answers if answer.status_code == 200)
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.email.like("a%@soy.sena.edu.co"))
        )
        distinct = db.session.scalar(
            sa.select(sa.func.count(sa.func.distinct(sa.func.lower(User.email)))).select_from(User)
        )
        total = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    assert distinct == total  # no duplicate
    assert count == created
    if statuses == [200, 200, 200]:
        assert count == 450


def test_the_command_sends_the_invitations_before_it_returns(make_app, smtp_server, roster_file):
    app = make_app(**smtp_server.environ, PUBLIC_URL="https://auth.inventario.example", MAIL_SEND_RATE="1000")
    result = app.test_cli_runner().invoke(args=["users", "import", roster_file(ROSTER)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged, 2 invited" in result.output
    assert "sending 2 invitation(s)" in result.output
    # Handed to the SMTP server before the command returned: nothing left to wait for.
    assert sorted(m["To"] for m in smtp_server.messages) == ["ana@soy.sena.edu.co", "luis@soy.sena.edu.co"]
