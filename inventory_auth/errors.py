"""Errors as the contract shapes them: a JSON object with a Spanish `detail`, always.

Services raise `ApiError` subclasses; Werkzeug's HTTP errors (404, 405, 413, 415...), webargs'
validation aborts and any unexpected exception all pass through `register_error_handlers`, the one
place that writes an error response.
"""

from __future__ import annotations

import logging
import math
import time

from flask import jsonify
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

INVALID_TOKEN = "Token inválido o expirado"
USER_NOT_FOUND = "Usuario no encontrado"
VALIDATION_FAILED = "Los datos enviados no son válidos"

# Spanish texts for the HTTP errors Werkzeug raises on its own.
HTTP_DETAILS = {
    400: "Solicitud inválida: el cuerpo debe ser un objeto JSON válido",
    401: INVALID_TOKEN,
    403: "No tiene permiso para realizar esta acción",
    404: "Recurso no encontrado",
    405: "Método no permitido",
    413: "El cuerpo de la solicitud es demasiado grande",
    415: "El tipo de contenido debe ser application/json",
    422: VALIDATION_FAILED,
    429: "Demasiadas solicitudes; intente de nuevo más tarde",
    500: "Error interno del servidor",
    503: "Servicio no disponible temporalmente; intente de nuevo en unos segundos",
}


class ApiError(Exception):
    """An error the client is meant to see: status, Spanish detail, optional headers."""

    status = 400
    detail = HTTP_DETAILS[400]

    def __init__(self, detail: str | None = None, *, headers: dict | None = None, errors=None):
        super().__init__(detail or self.detail)
        if detail is not None:
            self.detail = detail
        self.headers = dict(headers or {})
        self.errors = errors


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401
    detail = INVALID_TOKEN

    def __init__(self, detail: str | None = None, **kwargs):
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class Forbidden(ApiError):
    status = 403
    detail = HTTP_DETAILS[403]


class NotFound(ApiError):
    status = 404
    detail = HTTP_DETAILS[404]


class ValidationFailed(ApiError):
    status = 422
    detail = VALIDATION_FAILED


class TooManyRequests(ApiError):
    status = 429
    detail = HTTP_DETAILS[429]


class ServiceUnavailable(ApiError):
    status = 503
    detail = HTTP_DETAILS[503]


def error_response(status: int, detail: str, *, headers=None, errors=None):
    body = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", "Bearer")
    return response


def _validation_errors(messages) -> dict:
    """webargs nests messages by location ({"json": {...}}); the contract wants them flat."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "view_args", "headers"}:
        flat = {}
        for part in messages.values():
            flat.update(part if isinstance(part, dict) else {"_schema": part})
        return flat
    return messages if isinstance(messages, dict) else {"_schema": messages}


def handle_api_error(error: ApiError):
    return error_response(error.status, error.detail, headers=error.headers, errors=error.errors)


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if status == 422 and "messages" in data:
        return error_response(422, VALIDATION_FAILED, errors=_validation_errors(data["messages"]))
    if status >= 500:
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled exception", exc_info=original)
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = data.get("detail") or HTTP_DETAILS.get(status) or HTTP_DETAILS[500]
    return error_response(status, detail, headers=headers)


def handle_rate_limited(error: RateLimitExceeded):
    """A per-address limit was hit: say when the window reopens."""
    from .extensions import limiter

    current = limiter.current_limit
    seconds = max(1, math.ceil(current.reset_at - time.time())) if current else 60
    return error_response(429, HTTP_DETAILS[429], headers={"Retry-After": str(seconds)})


def handle_unexpected(error: Exception):
    log.error("unhandled exception", exc_info=error)
    return error_response(500, HTTP_DETAILS[500])


def database_unavailable(error: Exception) -> bool:
    """True for the database errors that mean "not now" rather than "wrong": the server is
    unreachable or went away (OperationalError, InterfaceError, an invalidated connection), or
    no pooled connection came free within `pool_timeout` (TimeoutError)."""
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(
            error, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    return False


def handle_database_error(error: sa_exc.SQLAlchemyError):
    """The database is down or overloaded: 503 (retry later), not 500. One log line per request,
    without a traceback, so an outage does not flood the logs; anything else is a real 500."""
    if not database_unavailable(error):
        return handle_unexpected(error)
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) and error.orig is not None else error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    log.error("database unavailable: %s: %s", type(cause).__name__, first_line)
    return error_response(503, HTTP_DETAILS[503])


def register_error_handlers(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(InternalServerError, handle_http_exception)
    app.register_error_handler(sa_exc.SQLAlchemyError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
