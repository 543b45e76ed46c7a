"""The OpenAPI document: the contract's error shape, the bearer scheme, and how views declare both.

flask-smorest builds the document from the same schemas that validate and serialize, so it cannot
drift from the code. This module replaces its default error description (`code`, `status`,
`message`) with the one this service really answers — `{"detail": "..."}`, plus `errors` on 422 —
and gives every blueprint two decorators:

    @bp.errors(403, 404)   the operation may answer these statuses (each with the error schema)
    @bp.bearer             the operation needs `Authorization: Bearer <access token>` (adds 401, 503)

An operation with a JSON body documents 400, 413 and 415 (and flask-smorest adds 422) without
being told: `web.blueprint.Blueprint.arguments` declares them.
"""

from __future__ import annotations

import http
import types

import flask_smorest
from marshmallow import Schema, fields

BEARER_SCHEME = "bearerAuth"
SERVICE_SCHEME = "serviceBasic"

# Headers some error statuses always carry, described once in the document.
ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "Siempre `Bearer`.",
            "schema": {"type": "string", "example": "Bearer"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Segundos que el cliente debe esperar antes de intentarlo de nuevo.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


class ErrorSchema(Schema):
    """Every error body: a JSON object whose `detail` the client shows to the user as is."""

    detail = fields.String(
        required=True,
        metadata={
            "description": "Mensaje en español, listo para mostrar al usuario.",
            "example": "Token inválido o expirado",
        },
    )


class DetailedErrorSchema(ErrorSchema):
    """A 422: `detail` plus messages per field."""

    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={
            "description": "Mensajes en español por campo (`_schema`: el cuerpo entero).",
            "example": {"email": ["Correo electrónico inválido."]},
        },
    )


class UnavailableErrorSchema(ErrorSchema):
    """A 503: `detail`, and from the readiness check the failed dependencies in `errors`."""

    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Solo en `GET /api/health/ready`: mensajes por dependencia caída.",
            "example": {"database": ["La base de datos no responde"]},
        },
    )


# How the document names each status, in the API audience's language (flask-smorest would use the
# English reason phrase).
STATUS_DESCRIPTIONS = {
    200: "Correcto",
    201: "Creado",
    204: "Sin contenido",
    400: "Solicitud incorrecta",
    401: "No autenticado",
    403: "Prohibido",
    404: "No encontrado",
    405: "Método no permitido",
    409: "Conflicto",
    413: "Cuerpo demasiado grande",
    415: "Tipo de contenido no admitido",
    422: "Datos no válidos",
    429: "Demasiadas solicitudes",
    500: "Error interno del servidor",
    503: "Servicio no disponible",
}


def status_description(status: int) -> str:
    return STATUS_DESCRIPTIONS.get(int(status), f"Estado HTTP {int(status)}")


def response_name(status: int) -> str:
    """The name under components/responses that documents an error status (e.g. 401 UNAUTHORIZED)."""
    return http.HTTPStatus(status).name


DESCRIPTION = """\
Servicio de autenticación del sistema de inventario del SENA.

* Cuerpos JSON en UTF-8 (`Content-Type: application/json`).
* Toda respuesta de error es un objeto JSON con `detail`, un mensaje en español para mostrar al
  usuario; los errores de validación (422) añaden `errors`, los mensajes de cada campo.
* Las operaciones protegidas piden `Authorization: Bearer <access_token>`, el token que entrega
  `POST /api/auth/login`; un token inválido o vencido recibe 401 con `WWW-Authenticate: Bearer`.
* Cada respuesta lleva `X-Request-ID` (el enviado por el cliente, si es válido, o uno nuevo).
"""


class Api(flask_smorest.Api):
    """flask-smorest's Api, describing errors as this service shapes them."""

    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app, *, spec_kwargs=None):
        spec_kwargs = {"info": {"description": DESCRIPTION}, **(spec_kwargs or {})}
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.spec.components.security_scheme(
            BEARER_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "El `access_token` que devuelve `POST /api/auth/login`.",
            },
        )
        self.spec.components.security_scheme(
            SERVICE_SCHEME,
            {
                "type": "http",
                "scheme": "basic",
                "description": "Nombre y secreto de un servicio (`flask services create NOMBRE`).",
            },
        )

    def _register_pagination_header(self):
        """Nothing: the service paginates nothing, and flask-smorest's pagination header would
        put its (English) `PaginationMetadata` schema in the document."""

    def _register_responses(self):
        """One response component per status (replacing flask-smorest's own), and DEFAULT_ERROR.

        Error statuses carry the contract's error schema and the headers they always send.
        """
        content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
        for status in http.HTTPStatus:
            response = {"description": status_description(status)}
            if status >= 400:
                schema = {422: DetailedErrorSchema, 503: UnavailableErrorSchema}.get(status, ErrorSchema)
                response["content"] = {content_type: {"schema": schema}}
                if status in ERROR_HEADERS:
                    response["headers"] = ERROR_HEADERS[status]
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {
                "description": "Cualquier otro error (por ejemplo 500)",
                "content": {content_type: {"schema": ErrorSchema}},
            },
            lazy=True,
        )


# The one API of the service, bound to the application in the factory.
api = Api()


class ErrorDocsMixin:
    """Blueprint decorators that document error responses and the bearer requirement.

    They only document: the view they return is the one they were given (a copy of the function,
    carrying the documentation), where flask-smorest's `alt_response` and `doc` would wrap it in a
    layer that runs on every request and does nothing but call it.
    """

    def errors(self, *statuses: int):
        """Document that the operation may answer each of `statuses` with the error schema."""

        def decorator(func):
            documented = func
            for status in statuses:
                documented = self.alt_response(status, response=response_name(status))(documented)
            return with_documentation(func, documented)

        return decorator

    def bearer(self, func):
        """Document that the operation needs a bearer access token: it may answer 401, and 503
        while the token's session cannot be checked (the database is unreachable: it fails
        closed)."""
        func = self.errors(401, 503)(func)
        return with_documentation(func, self.doc(security=[{BEARER_SCHEME: []}])(func))


    def built_response(self, status_code, schema=None, **kwargs):
        """Document the success answer of a view that returns a finished `Response` itself
        (`jsonify`), as `response` documents it. `response`'s layer would only call such a view
        and hand its `Response` on; here the view is not wrapped. A view that may return anything
        else (a model, a tuple) needs `response`."""

        def decorator(func):
            return with_documentation(func, self.response(status_code, schema, **kwargs)(func))

        return decorator


def with_documentation(func, documented):
    """A copy of the view `func` carrying `documented`'s OpenAPI documentation (`_apidoc`), which a
    flask-smorest documentation decorator built around `func`; `func` itself is left unchanged."""
    view = types.FunctionType(
        func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__
    )
    for name in ("__module__", "__qualname__", "__doc__", "__annotations__", "__kwdefaults__"):
        setattr(view, name, getattr(func, name))
    view.__dict__.update(func.__dict__)
    view._apidoc = documented._apidoc
    return view
