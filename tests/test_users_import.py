"""POST /api/users/import: a ficha's spreadsheet in every form people save it, all or nothing."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import AuditLog, User

from helpers import bearer
from roster_files import EXAMPLE, EXAMPLE_CSV, EXAMPLE_XLSX, HEADER, csv_bytes, xlsx_bytes

URL = "/api/users/import"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER = [
    ["correo", "nombres", "apellidos", "rol", "telefono", "programa", "ficha"],
    ["ana.gomez@soy.sena.edu.co", "Ana María", "Gómez", "", "3001234567", "ADSO", "2758312"],
    ["luis.pena@soy.sena.edu.co", "Luis", "Peña", "student", "", "ADSO", "2758312"],
    ["jorge@sena.edu.co", "Jorge", "Ramírez", "instructor", "", "", ""],
]


@pytest.fixture
def admin(create_user, accounts):
    user = create_user(role="admin_general", email="rectora@sena.edu.co", first_name="Rosa", last_name="Díaz")
    return user, bearer(accounts.login(user["email"])["access_token"])


@pytest.fixture
def post(client, admin):
    _user, headers = admin

    def send(data, content_type=CSV, **query):
        query.setdefault("invite", "false")
        return client.post(URL, data=data, content_type=content_type, headers=headers, query_string=query)

    return send


def users_by_email(app):
    with app.app_context():
        return {user.email: user for user in db.session.scalars(sa.select(User))}


def user_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


# Reading every form of the file -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, content_type",
    [
        (csv_bytes(ROSTER), CSV),
        (csv_bytes(ROSTER, bom=True), CSV),
        (csv_bytes(ROSTER, separator=";", encoding="cp1252"), CSV),
        (
            csv_bytes(ROSTER, separator=";", encoding="utf-8", bom=True, newline="\n"),
            "application/vnd.ms-excel",
        ),
        (csv_bytes(ROSTER, separator="\t", encoding="utf-16"), "text/plain"),
        (xlsx_bytes(ROSTER), XLSX),
        (xlsx_bytes(ROSTER), "application/octet-stream"),
    ],
    ids=[
        "utf8-comma",
        "utf8-bom",
        "cp1252-semicolon",
        "bom-semicolon-lf",
        "utf16-tab",
        "xlsx",
        "xlsx-octets",
    ],
)
def test_each_format_and_encoding_gives_the_same_accounts(app, post, data, content_type):
    response = post(data, content_type)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "dry_run": False,
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "invited": 0,
        "ignored_columns": [],
    }
    users = users_by_email(app)
    ana = users["ana.gomez@soy.sena.edu.co"]
    assert (ana.first_name, ana.last_name, ana.role, ana.phone, ana.program, ana.ficha) == (
        "Ana María",
        "Gómez",
        "student",
        "3001234567",
        "ADSO",
        "2758312",
    )
    assert users["luis.pena@soy.sena.edu.co"].phone is None
    assert users["jorge@sena.edu.co"].role == "instructor"
    assert ana.password_hash.startswith("!") and ana.is_active  # no password: cannot log in


def test_a_multipart_upload_works_and_its_file_name_is_audited(app, client, admin):
    _user, headers = admin
    response = client.post(
        URL,
        headers=headers,
        query_string={"invite": "false"},
        data={"file": (io.BytesIO(xlsx_bytes(ROSTER)), "ficha 2758312.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 3
    with app.app_context():
        record = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "user_import"))
        assert record.new_values["file_name"] == "ficha 2758312.xlsx"


def test_headers_in_any_language_case_and_accents_and_numbers_typed_as_numbers(app, post):
    rows = [
        [
            "  E-MAIL ",
            "First_Name",
            "APELLIDOS",
            "Teléfono",
            "Programa de formación",
            "FICHA",
            "Observaciones",
            None,
        ],
        ["  Ana.Gomez@SOY.sena.edu.co ", " Ana ", "Gómez", 3001234567, "ADSO", 2758312, "llega tarde", None],
        [None] * 8,
        ["luis@soy.sena.edu.co", "Luis", "Peña", None, None, None, None, None],
        [None] * 8,
        [None] * 8,
    ]
    response = post(xlsx_bytes(rows), XLSX)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ignored_columns"] == ["Observaciones"]
    assert response.get_json()["rows"] == 2
    ana = users_by_email(app)["ana.gomez@soy.sena.edu.co"]
    assert (ana.first_name, ana.phone, ana.ficha, ana.role) == ("Ana", "3001234567", "2758312", "student")


def test_a_formula_reads_as_its_saved_value_never_evaluated(app, post):
    # openpyxl writes formulas without a saved value: the cell reads as empty, and the row's
    # checks say so; nothing computes "=1+1".
    rows = [HEADER[:3], ["ana@soy.sena.edu.co", '=CONCAT("A","na")', "Gómez"]]
    response = post(xlsx_bytes(rows), XLSX)
    assert response.status_code == 422
    assert response.get_json()["row_errors"] == [
        {"row": 2, "column": "Nombres", "detail": "Este campo es obligatorio."}
    ]


def test_only_the_first_sheet_is_read(app, post):
    def second(workbook):
        other = workbook.create_sheet("Instructores")
        other.append(HEADER[:3])
        other.append(["otro@sena.edu.co", "Otro", "Más"])

    response = post(xlsx_bytes(ROSTER, before=second), XLSX)
    assert response.status_code == 200 and response.get_json()["created"] == 3
    assert "otro@sena.edu.co" not in users_by_email(app)


# All or nothing, every error at once ------------------------------------------------------------


def test_every_bad_row_at_once_and_nothing_written(app, post):
    rows = [
        ["Correo", "Nombres", "Apellidos", "Rol"],
        ["ana@soy.sena.edu.co", "Ana", "Gómez", ""],
        ["no-es-correo", "Luis", "Peña", ""],
        ["sofia@soy.sena.edu.co", "", "Núñez", "rectora"],
        ["ANA@soy.sena.edu.co", "Ana", "Otra", ""],
        ["jorge@sena.edu.co", "J" * 101, "Ramírez", "instructor"],
    ]
    for data, content_type in (
        (csv_bytes(rows, separator=";", encoding="cp1252"), CSV),
        (xlsx_bytes(rows), XLSX),
    ):
        for dry_run in ("false", "true"):
            response = post(data, content_type, dry_run=dry_run)
            assert response.status_code == 422
            body = response.get_json()
            assert body["detail"] == "Hay errores en 5 fila(s) del archivo; no se importó ninguna"
            assert body["row_errors"] == [
                {
                    "row": 2,
                    "column": "Correo",
                    "detail": "Este correo está repetido en el archivo (también en la fila 5)",
                },
                {"row": 3, "column": "Correo", "detail": "Correo electrónico inválido."},
                {"row": 4, "column": "Nombres", "detail": "Este campo es obligatorio."},
                {
                    "row": 4,
                    "column": "Rol",
                    "detail": "Rol inválido; debe ser uno de: "
                    "student, instructor, supervisor, admin, admin_general.",
                },
                {
                    "row": 5,
                    "column": "Correo",
                    "detail": "Este correo está repetido en el archivo (también en la fila 2)",
                },
                {"row": 6, "column": "Nombres", "detail": "Debe tener entre 1 y 100 caracteres."},
            ]
    assert user_count(app) == 1  # the administrator alone


def test_a_dry_run_reports_what_the_real_run_then_does(app, post, create_user):
    create_user(email="luis.pena@soy.sena.edu.co", first_name="Luis", last_name="Peña")
    data = csv_bytes(ROSTER)
    dry = post(data, dry_run="true")
    assert dry.status_code == 200
    assert user_count(app) == 2
    real = post(data)
    assert {**dry.get_json(), "dry_run": False} == real.get_json()
    assert real.get_json()["created"] == 2 and real.get_json()["unchanged"] == 1
    assert user_count(app) == 4


def test_update_changes_existing_accounts_through_the_rules_of_put(app, post, create_user, accounts, client):
    existing = create_user(
        email="luis.pena@soy.sena.edu.co",
        first_name="Luis",
        last_name="Peña",
        role="instructor",
        phone="3000000000",
    )
    session = accounts.login(existing["email"])
    rows = [
        ROSTER[0],
        ["Luis.Pena@soy.sena.edu.co", "Luis Alberto", "Peña", "student", "", "ADSO", "2758312"],
    ]
    skipped = post(csv_bytes(rows))
    assert skipped.get_json()["unchanged"] == 1
    assert users_by_email(app)["luis.pena@soy.sena.edu.co"].first_name == "Luis"

    updated = post(csv_bytes(rows), on_existing="update")
    assert updated.status_code == 200
    assert updated.get_json() | {"ignored_columns": []} == {
        "dry_run": False,
        "rows": 1,
        "created": 0,
        "updated": 1,
        "unchanged": 0,
        "invited": 0,
        "ignored_columns": [],
    }
    luis = users_by_email(app)["luis.pena@soy.sena.edu.co"]
    # An empty cell leaves the value as it is; the role changed, so the sessions ended.
    assert (luis.first_name, luis.role, luis.phone, luis.program) == (
        "Luis Alberto",
        "student",
        "3000000000",
        "ADSO",
    )
    assert client.get("/api/auth/me", headers=bearer(session["access_token"])).status_code == 401
    again = post(csv_bytes(rows), on_existing="update")
    assert again.get_json()["unchanged"] == 1 and again.get_json()["updated"] == 0


def test_update_cannot_take_the_role_of_the_last_admin_general(app, post, admin):
    rows = [["correo", "nombres", "apellidos", "rol"], ["rectora@sena.edu.co", "Rosa", "Díaz", "instructor"]]
    response = post(csv_bytes(rows), on_existing="update")
    assert response.status_code == 422
    assert response.get_json()["row_errors"] == [
        {
            "row": 2,
            "column": "rol",
            "detail": "No se puede desactivar ni quitar el rol al último administrador general activo; "
            "asigne antes ese rol a otra cuenta",
        }
    ]
    assert users_by_email(app)["rectora@sena.edu.co"].role == "admin_general"


# The audit trail --------------------------------------------------------------------------------


def test_one_record_for_the_import_and_one_per_account_linked_to_it(app, post, admin, create_user):
    create_user(email="luis.pena@soy.sena.edu.co", first_name="Luis", last_name="Peña")
    response = post(csv_bytes(ROSTER), on_existing="update")
    assert response.status_code == 200
    with app.app_context():
        records = db.session.scalars(sa.select(AuditLog).where(AuditLog.action != "login")).all()
    imports = [r for r in records if r.action == "user_import"]
    assert len(imports) == 1
    record = imports[0]
    assert str(record.user_id) == admin[0]["id"]
    assert record.entity_type == "import"
    assert record.new_values | {"import_id": None} == {
        "file_name": None,
        "on_existing": "update",
        "rows": 3,
        "created": 2,
        "updated": 1,
        "unchanged": 0,
        "invited": 0,
        "import_id": None,
    }
    assert "ana.gomez" not in str(record.new_values)  # counts, never the file's contents
    linked = [r for r in records if r.action != "user_import"]
    assert sorted(r.action for r in linked) == ["user_create", "user_create", "user_update"]
    assert all(r.new_values["import_id"] == str(record.entity_id) for r in linked)
    assert all(str(r.user_id) == admin[0]["id"] for r in linked)


# Malformed files: a 4xx with a message, never a 500 ----------------------------------------------


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


MALFORMED = [
    ("empty", b"", CSV, 422, "El archivo está vacío: la primera fila debe tener los nombres de las columnas"),
    (
        "blank lines",
        b"\r\n\r\n ; \r\n",
        CSV,
        422,
        "El archivo está vacío: la primera fila debe tener los nombres de las columnas",
    ),
    (
        "no email column",
        csv_bytes([["nombres", "apellidos"], ["Ana", "Gómez"]]),
        CSV,
        422,
        "Faltan columnas obligatorias: correo",
    ),
    (
        "nothing known",
        csv_bytes([["a", "b"], ["1", "2"]]),
        CSV,
        422,
        "Faltan columnas obligatorias: correo, nombres, apellidos",
    ),
    (
        "twice the same column",
        csv_bytes([["correo", "email", "nombres", "apellidos"]]),
        CSV,
        422,
        "Las columnas «correo» y «email» son la misma; deje solo una",
    ),
    (
        "not text",
        bytes(range(256)) * 4,
        CSV,
        422,
        "No se reconoce la codificación del archivo; guárdelo como «CSV UTF-8»",
    ),
    (
        "unclosed quote",
        b'correo,nombres,apellidos\r\n"ana@sena.edu.co,Ana,G\r\n',
        CSV,
        422,
        "El archivo CSV está mal formado cerca de la fila 2 (revise las comillas)",
    ),
    (
        "old .xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "application/vnd.ms-excel",
        415,
        "No se puede leer este archivo: guárdelo como «Libro de Excel (.xlsx)» o como CSV, sin contraseña",
    ),
    (
        "truncated xlsx",
        xlsx_bytes(ROSTER)[:700],
        XLSX,
        422,
        "El archivo no es un libro de Excel (.xlsx) válido",
    ),
    (
        "a zip, no workbook",
        _zip({"hola.txt": "hola"}),
        XLSX,
        422,
        "El archivo no es un libro de Excel (.xlsx) válido",
    ),
    (
        "zip bomb",
        _zip({"xl/worksheets/sheet1.xml": b"<" * (30 * 2**20)}),
        XLSX,
        413,
        "El libro de Excel ocupa demasiado al descomprimirlo (más de 20 MiB); "
        "guarde en un libro nuevo solo la hoja de los aprendices",
    ),
    (
        "billion laughs",
        _zip(
            {
                "[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
            }
        ),
        XLSX,
        422,
        "El archivo no es un libro de Excel (.xlsx) válido",
    ),
    (
        "10,000 columns",
        xlsx_bytes([[f"c{i}" for i in range(10_000)]]),
        XLSX,
        422,
        "La fila de encabezados tiene más de 50 columnas",
    ),
    (
        "json",
        b'{"correo": "a@b.co"}',
        "application/json",
        415,
        "Envíe el archivo como text/csv, como libro de Excel (.xlsx) o en el campo «file» "
        "de un formulario multipart/form-data",
    ),
]


@pytest.mark.parametrize(
    "data, content_type, status, detail", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_files_get_a_4xx_with_a_message(app, post, data, content_type, status, detail):
    response = post(data, content_type)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["detail"] == detail
    assert user_count(app) == 1


def test_too_many_rows_is_a_413_before_any_row_is_checked(make_app, create_user, accounts):
    app = make_app(IMPORT_MAX_ROWS="3")
    client = app.test_client()
    user = create_user(role="admin_general")
    headers = bearer(accounts.login(user["email"])["access_token"])
    rows = [HEADER[:3]] + [[f"a{i}@soy.sena.edu.co", "A", "B"] for i in range(4)]
    refused = client.post(URL, data=csv_bytes(rows), content_type=CSV, headers=headers)
    assert refused.status_code == 413
    assert (
        refused.get_json()["detail"]
        == "El archivo tiene más de 3 filas de datos; divídalo en varios archivos más pequeños"
    )
    accepted = client.post(
        URL,
        data=csv_bytes(rows[:4] + [[], []]),
        content_type=CSV,
        headers=headers,
        query_string={"dry_run": "true"},
    )
    assert accepted.status_code == 200 and accepted.get_json()["rows"] == 3


def test_the_body_limit_is_raised_for_this_route_alone(app, client, post, admin):
    big = csv_bytes(ROSTER) + b"\r\n" * 200_000  # 400 KB of trailing empty lines
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    assert post(big).status_code == 200
    elsewhere = client.post("/api/users/", data=big, content_type="application/json", headers=admin[1])
    assert elsewhere.status_code == 413
    huge = b"x" * (app.config["IMPORT_MAX_BYTES"] + 1)
    refused = post(huge)
    assert refused.status_code == 413
    assert refused.get_json()["detail"] == "El archivo es demasiado grande: el máximo es 5.0 MiB"


def test_a_multipart_form_without_the_file_field(post):
    response = post({"otro": "x"}, "multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"file": ["Falta el archivo: envíelo en el campo «file»."]}


def test_only_an_admin_general_imports(client, create_user, accounts):
    for role in ("student", "admin"):
        user = create_user(role=role)
        headers = bearer(accounts.login(user["email"])["access_token"])
        assert client.post(URL, data=csv_bytes(ROSTER), content_type=CSV, headers=headers).status_code == 403
    assert client.post(URL, data=csv_bytes(ROSTER), content_type=CSV).status_code == 401


# The example shipped in docs/ -------------------------------------------------------------------


def test_the_example_files_in_docs_hold_the_example_and_import(app, post):
    from openpyxl import load_workbook

    assert EXAMPLE_CSV.read_bytes() == csv_bytes(EXAMPLE, bom=True), "run: python tests/roster_files.py"
    sheet = load_workbook(EXAMPLE_XLSX, read_only=True).worksheets[0]
    cells = [
        [value if value is not None else "" for value in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == EXAMPLE, "run: python tests/roster_files.py"
    for path, content_type in ((EXAMPLE_CSV, CSV), (EXAMPLE_XLSX, XLSX)):
        response = post(path.read_bytes(), content_type, dry_run="true")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["created"] == len(EXAMPLE) - 1


def test_the_coordinators_page_lists_every_column_name_the_service_reads():
    """docs/enrolment.md's table names, normalized, are exactly what enrolment/columns.py reads."""
    from inventory_auth.enrolment.columns import ALIASES, normalized

    page = (EXAMPLE_CSV.parent / "enrolment.md").read_text()
    table = {}
    for line in page.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and cells[1].strip().startswith("`"):
            names = re.findall(r"`([^`]+)`", cells[1] + cells[2])
            table[normalized(names[0])] = {normalized(name) for name in names}
    read = {aliases[0]: set(aliases) for aliases in ALIASES.values()}
    assert table == read
