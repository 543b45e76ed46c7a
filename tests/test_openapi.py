"""The OpenAPI document at /api/openapi.json: valid, complete, and in the contract's error shape."""

import http
import re

import pytest
from marshmallow import fields
from openapi_spec_validator import validate

from inventory_auth.web.auth.schemas import UserSchema
from inventory_auth.web.openapi import response_name

# Endpoints that serve the documentation itself rather than the API.
DOC_ENDPOINT_PREFIXES = ("api-docs.", "docs_ui.")
PROTECTED = {
    ("get", "/api/auth/me"),
    ("put", "/api/auth/me"),
    ("post", "/api/auth/me/change-password"),
    ("post", "/api/auth/logout"),
    ("post", "/api/auth/logout-all"),
    ("get", "/api/audit-logs/"),
    ("get", "/api/audit-logs/stats"),
    # /api/users: admin_general only (web.access.roles_required)
    ("get", "/api/users/"),
    ("post", "/api/users/"),
    ("get", "/api/users/stats"),
    ("get", "/api/users/{user_id}"),
    ("put", "/api/users/{user_id}"),
    ("delete", "/api/users/{user_id}"),
    ("post", "/api/users/{user_id}/activate"),
    ("post", "/api/users/{user_id}/password"),
    ("post", "/api/users/{user_id}/invite"),
    ("post", "/api/users/import"),
}
# Spellings the app uses that answer like a documented path, without a second entry.
UNDOCUMENTED_ALIASES = {"/api/users//stats"}


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                yield method, path, operation


def test_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_api_route_is_documented(app, spec):
    routes = [
        rule for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api") and not rule.endpoint.startswith(DOC_ENDPOINT_PREFIXES)
        and rule.endpoint != "static" and rule.rule not in UNDOCUMENTED_ALIASES
    ]
    assert {rule.rule for rule in routes} >= {"/api/auth/login", "/api/health/ready"}
    for rule in routes:
        documented = spec["paths"].get(openapi_path(rule.rule))
        assert documented is not None, f"{rule.rule} is missing from the document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in documented, f"{method} {rule.rule} is missing from the document"


def test_user_schema_properties_are_the_contract_keys(spec):
    properties = spec["components"]["schemas"]["User"]["properties"]
    assert set(properties) == set(UserSchema().fields)
    assert len(properties) == 14
    assert "password" not in properties and "password_hash" not in properties


def test_a_field_added_to_a_schema_shows_in_the_document(monkeypatch, make_app):
    monkeypatch.setitem(UserSchema._declared_fields, "nickname", fields.String(allow_none=True))
    spec = make_app().test_client().get("/api/openapi.json").get_json()
    assert "nickname" in spec["components"]["schemas"]["User"]["properties"]
    assert len(spec["components"]["schemas"]["User"]["properties"]) == 15


def schema_name(content) -> str:
    return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


def test_error_responses_have_the_contract_shape(spec):
    responses = spec["components"]["responses"]
    schemas = spec["components"]["schemas"]
    for status in (400, 401, 404, 413, 415, 503):
        assert response_name(status) in responses, status
    for name, response in responses.items():
        if name == "DEFAULT_ERROR" or http.HTTPStatus[name] >= 400:
            assert schemas[schema_name(response["content"])]["required"][0] == "detail", name
    assert set(schemas["Error"]["properties"]) == {"detail"}
    assert schemas["Error"]["required"] == ["detail"]
    unprocessable = schema_name(responses[response_name(422)]["content"])
    assert set(schemas[unprocessable]["properties"]) == {"detail", "errors"}
    assert "WWW-Authenticate" in responses[response_name(401)]["headers"]
    # flask-smorest's own error shape (code, status, message) is gone from the document.
    for schema in schemas.values():
        assert not {"code", "status", "message"} <= set(schema.get("properties", {}))


def test_new_endpoints_document_errors_with_one_decorator(make_app):
    """What a new endpoint declares with `bp.errors(...)` appears with the error schema."""
    from inventory_auth.web.blueprint import Blueprint
    from inventory_auth.web.openapi import api

    app = make_app()
    bp = Blueprint("extra", __name__, url_prefix="/api/extra")

    @bp.post("/refresh")
    @bp.bearer
    @bp.errors(409, 429)
    @bp.response(200)
    def refresh():
        return {}

    api.register_blueprint(bp)
    spec = app.test_client().get("/api/openapi.json").get_json()
    validate(spec)
    operation = spec["paths"]["/api/extra/refresh"]["post"]
    assert {"401", "409", "429"} <= set(operation["responses"])
    assert operation["security"] == [{"bearerAuth": []}]
    responses = spec["components"]["responses"]
    assert schema_name(responses[response_name(409)]["content"]) == "Error"
    assert "Retry-After" in responses[response_name(429)]["headers"]


def test_every_operation_documents_its_errors(spec):
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "default" in responses, f"{method} {path}"
        if "requestBody" in operation:
            for status in ("400", "413", "415", "422"):
                assert status in responses, f"{method} {path} lacks {status}"
    login = spec["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"200", "401", "403"} <= set(login)
    register = spec["paths"]["/api/auth/register"]["post"]["responses"]
    assert "201" in register and "200" not in register


def test_bearer_scheme_on_exactly_the_protected_operations(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for method, path, operation in operations(spec):
        protected = operation.get("security") == [{"bearerAuth": []}]
        assert protected == ((method, path) in PROTECTED), f"{method} {path}"
        if protected:
            assert "401" in operation["responses"]
        if path.startswith("/api/users"):
            assert "403" in operation["responses"], f"{method} {path}"


def test_documented_errors_are_what_the_service_answers(client, accounts):
    """A documented 401 is the documented shape: only `detail`, plus WWW-Authenticate."""
    response = client.post("/api/auth/login", json={"email": "nadie@sena.edu.co", "password": "x" * 8})
    assert response.status_code == 401
    assert set(response.get_json()) == {"detail"}
    assert response.headers["WWW-Authenticate"] == "Bearer"
    response = client.post("/api/auth/login", json={"email": "no es un correo"})
    assert response.status_code == 422
    assert set(response.get_json()) == {"detail", "errors"}


def test_swagger_ui_is_served_by_the_service(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/openapi.json" in html
    # Every script and style sheet is local: the page works with no internet access.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/api/docs/") for asset in assets), assets
    assert '"validatorUrl": null' in html
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.data) > 0
    bundle = client.get("/api/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and b"SwaggerUIBundle" in bundle.data
