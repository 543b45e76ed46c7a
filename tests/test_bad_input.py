"""Input that is not what an endpoint expects: always a JSON error, never HTML."""

import pytest
from flask import Blueprint

from conftest import PASSWORD


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
    from inventory_auth.auth import service

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
