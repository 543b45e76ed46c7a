"""The interactive API documentation: Swagger UI at /api/docs, reading /api/openapi.json.

The Swagger UI files come from the `flask-swagger-ui` package and are served by this service, so
the page works with no internet access and loads nothing from a CDN. The online validator badge is
switched off for the same reason (it would send the document to validator.swagger.io).
"""

from __future__ import annotations

from flask import Flask
from flask_swagger_ui import get_swaggerui_blueprint

DOCS_PATH = "/api/docs"
BLUEPRINT_NAME = "docs_ui"

# Served by the documentation page only: Swagger UI runs an inline start-up script and inline
# styles; everything else comes from this origin.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)


def init_app(app: Flask) -> None:
    spec_url = "/" + "/".join(
        part.strip("/") for part in (app.config["OPENAPI_URL_PREFIX"], app.config["OPENAPI_JSON_PATH"])
    )
    blueprint = get_swaggerui_blueprint(
        DOCS_PATH,
        spec_url,
        config={
            "app_name": f"{app.config['API_TITLE']} — API",
            "validatorUrl": None,
            "deepLinking": True,
            "displayRequestDuration": True,
        },
        blueprint_name=BLUEPRINT_NAME,
    )
    app.register_blueprint(blueprint)


def is_docs_request(endpoint: str | None) -> bool:
    return bool(endpoint) and endpoint.startswith(BLUEPRINT_NAME + ".")
