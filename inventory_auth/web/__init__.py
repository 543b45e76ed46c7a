"""The HTTP edge: what every request passes through on its way in and out.

`init_app` wires it in the order a request meets it: JSON logs, then the one before- and
after-request hook (`hooks.py`: the request id and access line, the audit trail's origin of the
request, the security headers), no cookie sessions, CORS, trusted proxies, the `Authorization`
scheme in any case, the error responses, and the API documentation page. The blueprint class
(`blueprint.py`), the OpenAPI document (`openapi.py`), the schema fields (`fields.py`) and the
Spanish message catalog (`messages.py`) are the pieces each API package builds on.
"""

from __future__ import annotations

from flask import Flask

from . import audit_origin, auth_scheme, cors, docs_ui, errors, hooks, logs, proxy, stateless


def init_app(app: Flask) -> None:
    logs.init_app(app)
    hooks.init_app(app)
    audit_origin.init_app(app)
    stateless.init_app(app)
    cors.init_app(app)
    proxy.init_app(app)
    auth_scheme.init_app(app)
    errors.register_error_handlers(app)
    docs_ui.init_app(app)
