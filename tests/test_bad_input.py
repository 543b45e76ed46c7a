"""Input that is not what an endpoint expects: always a JSON error, never HTML."""

import pytest
from flask import Blueprint

from helpers import PASSWORD, bearer


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register"])
def test_wrong_content_type_is_415(client, path):
    response = client.post(path, data="email=a@b.co", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.get_json() == {"detail": "El tipo de contenido debe ser application/json"}


def test_missing_content_type_is_415(client):
    response = client.post("/api/auth/login", data=b'{"email": "a@b.co"}')
    assert response.status_code == 415


@pytest.mark.parametrize("raw", ["{no es json", "[1, 2]", '"texto"', "42", "null", "\xff"])
def test_malformed_or_non_object_json_is_400(client, raw):
    response = client.post("/api/auth/login", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert isinstance(response.get_json()["detail"], str)


def test_large_body_is_413_before_any_hashing(client, monkeypatch):
    from inventory_auth.accounts import authentication as service

    def fail(*_args):
        raise AssertionError("hashed a password for an oversized body")

    monkeypatch.setattr(service, "verify_password", fail)
    monkeypatch.setattr(service, "burn_verify", fail)
    body = '{"email": "a@sena.edu.co", "password": "' + "x" * 70_000 + '"}'
    response = client.post("/api/auth/login", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["detail"] == "El cuerpo de la solicitud es demasiado grande"


def test_unknown_route_is_json_404(client):
    response = client.get("/api/auth/nada")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json() == {"detail": "Recurso no encontrado"}


def test_wrong_method_is_json_405(client):
    response = client.delete("/api/auth/me")
    assert response.status_code == 405
    assert response.get_json() == {"detail": "Método no permitido"}
    assert "GET" in response.headers["Allow"]


def test_trailing_slash_is_served_not_redirected(client, accounts):
    user = accounts.register()
    response = client.post("/api/auth/login/", json={"email": user["email"], "password": PASSWORD})
    assert response.status_code == 200


def test_unexpected_exception_is_generic_json_500_and_logged(make_app, caplog):
    app = make_app()
    boom = Blueprint("boom", __name__)

    @boom.get("/api/boom")
    def explode():
        raise RuntimeError("secreto interno")

    app.register_blueprint(boom)
    response = app.test_client().get("/api/boom")
    assert response.status_code == 500
    assert response.get_json() == {"detail": "Error interno del servidor"}
    assert b"secreto" not in response.data and b"Traceback" not in response.data
    assert any(r.exc_info and "secreto interno" in str(r.exc_info[1]) for r in caplog.records)


# Found by tests/test_fuzz.py and the follow-up of its findings: each used to answer 500.
@pytest.mark.parametrize(
    "path, raw",
    [
        ("/api/auth/login", '{"email": "a@sena.edu.co", "password": "clave \\ud800 larga"}'),
        ("/api/auth/register", '{"email": "b@sena.edu.co", "password": "clave \\udfff larga y propia", '
                               '"first_name": "A", "last_name": "B", "role": "student"}'),
        ("/api/auth/register", '{"email": "c@sena.edu.co", "password": "Correcto caballo 42", '
                               '"first_name": "Ana\\ud83d", "last_name": "B", "role": "student"}'),
    ],
)
def test_lone_surrogate_in_a_string_is_400(client, path, raw):
    response = client.post(path, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"detail": "Solicitud inválida: el cuerpo debe ser un objeto JSON válido"}


def test_surrogate_pairs_are_ordinary_text(client):
    raw = ('{"email": "d@sena.edu.co", "password": "Correcto caballo 42", '
           '"first_name": "Ana \\ud83d\\ude00", "last_name": "B", "role": "student"}')
    response = client.post("/api/auth/register", data=raw, content_type="application/json")
    assert response.status_code == 201
    assert response.get_json()["first_name"] == "Ana \U0001f600"


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone", "program", "ficha", "avatar_url"])
def test_nul_character_in_a_stored_text_is_422(client, accounts, field):
    # PostgreSQL cannot store U+0000 in a text column: it used to surface as a 500 there.
    body = {"email": "e@sena.edu.co", "password": PASSWORD, "first_name": "Ana", "last_name": "B",
            "role": "student", field: "x\u0000y"}
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {field: ["No puede contener el carácter nulo (U+0000)."]}
    _, token = accounts.token()
    response = client.put("/api/auth/me", json={field: "\u0000"}, headers=bearer(token))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


# A deeply nested body used to raise RecursionError in the JSON parser: a 500 and a long
# traceback in the log for every such request.
DEPTH_LIMIT = 32


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register"])
@pytest.mark.parametrize("raw", ["[" * 5000 + "]" * 5000, "{\"a\":" * 5000 + "1" + "}" * 5000])
def test_deeply_nested_json_is_400_with_one_log_line(client, caplog, path, raw):
    caplog.clear()
    response = client.post(path, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"detail": "Solicitud inválida: el cuerpo debe ser un objeto JSON válido"}
    assert not any(record.exc_info for record in caplog.records)
    assert not any("Traceback" in record.getMessage() for record in caplog.records)
    assert len([r for r in caplog.records if r.levelno >= 30]) <= 1


@pytest.mark.parametrize("depth", [DEPTH_LIMIT + 1, 900, 5000])
def test_deep_value_inside_a_valid_object_is_400(client, depth):
    value = "[" * (depth - 1) + "]" * (depth - 1)
    raw = '{"email": "a@sena.edu.co", "password": ' + value + "}"
    response = client.post("/api/auth/login", data=raw, content_type="application/json")
    assert response.status_code == 400


def test_nesting_within_the_limit_reaches_the_schema(client):
    value = "[" * (DEPTH_LIMIT - 1) + "]" * (DEPTH_LIMIT - 1)
    for raw in ('{"email": "a@sena.edu.co", "password": ' + value + "}",
                '{"email": "a@sena.edu.co", "password": "x", "extra": ' + value + "}"):
        response = client.post("/api/auth/login", data=raw, content_type="application/json")
        assert response.status_code == 422


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    raw = '{"email": "a@sena.edu.co", "password": "' + "[{" * 500 + '\\"[[["}'
    response = client.post("/api/auth/login", data=raw, content_type="application/json")
    assert response.status_code == 401
