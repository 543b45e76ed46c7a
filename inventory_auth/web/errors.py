"""Every error response, in the contract's shape: a JSON object with a Spanish `detail`, always.

The domain raises HTTP-neutral exceptions (`inventory_auth.exceptions`); `DOMAIN_ERRORS` below is
the one table that gives each its status and message. The web layer's own refusals are `ApiError`
subclasses. Werkzeug's HTTP errors (404, 405, 413, 415...), webargs' validation aborts, rate
limits, database outages and any unexpected exception all pass through `register_error_handlers`,
the one place that writes an error response.
"""

from __future__ import annotations

import logging
import math
import time

from flask import jsonify
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from .. import exceptions as domain
from . import messages
from .messages import HTTP_DETAILS, VALIDATION_FAILED

log = logging.getLogger(__name__)


# What a caller of introspection is asked for: a service's credential, not a user's token.
SERVICE_CHALLENGE = 'Basic realm="inventory_auth", charset="UTF-8"'


class ApiError(Exception):
    """A refusal of the web layer itself: status, Spanish detail, optional headers and errors."""

    status = 400
    detail = HTTP_DETAILS[400]

    def __init__(self, detail: str | None = None, *, headers: dict | None = None, errors=None,
                 extra: dict | None = None):
        super().__init__(detail or self.detail)
        if detail is not None:
            self.detail = detail
        self.headers = dict(headers or {})
        self.errors = errors
        self.extra = extra  # more keys of the body (an import's `row_errors`)


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401
    detail = messages.INVALID_TOKEN


class Forbidden(ApiError):
    status = 403
    detail = messages.FORBIDDEN


class NotFound(ApiError):
    status = 404
    detail = HTTP_DETAILS[404]


class Conflict(ApiError):
    status = 409
    detail = HTTP_DETAILS[409]


class PayloadTooLarge(ApiError):
    status = 413
    detail = HTTP_DETAILS[413]


class UnsupportedMediaType(ApiError):
    status = 415
    detail = HTTP_DETAILS[415]


class ValidationFailed(ApiError):
    status = 422
    detail = VALIDATION_FAILED


class TooManyRequests(ApiError):
    status = 429
    detail = HTTP_DETAILS[429]


class ServiceUnavailable(ApiError):
    status = 503
    detail = HTTP_DETAILS[503]


def _weak_password(error: domain.WeakPassword) -> ApiError:
    texts = [messages.PASSWORD_PROBLEMS[code] for code in error.problems]
    return ValidationFailed(errors={error.field: texts})


def _in_progress(error: domain.AttemptInProgress) -> ApiError:
    seconds = error.retry_after
    return TooManyRequests(messages.ATTEMPT_IN_PROGRESS, headers={"Retry-After": str(seconds)})


def _locked(error: domain.AccountLocked) -> ApiError:
    seconds = error.retry_after
    return TooManyRequests(messages.locked_out(seconds), headers={"Retry-After": str(seconds)})


def _unreadable(error: domain.SpreadsheetUnreadable) -> ApiError:
    details = dict(error.details)
    if "fields" in details:
        details["columns"] = ", ".join(messages.IMPORT_COLUMN_NAMES[name] for name in details["fields"])
    text = messages.IMPORT_UNREADABLE[error.reason].format(**details)
    if error.reason == "old_format":
        return UnsupportedMediaType(text)
    return ValidationFailed(text, errors={"file": [text]})


def _too_large(error: domain.SpreadsheetTooLarge) -> ApiError:
    if error.what == "rows":
        return PayloadTooLarge(messages.IMPORT_TOO_MANY_ROWS.format(limit=error.limit))
    return PayloadTooLarge(messages.IMPORT_UNZIPPED_TOO_LARGE.format(mib=error.limit // 2**20))


def row_error_detail(error) -> str:
    """One row error of an import in Spanish: the schema's text, or ours for its code."""
    if error.code is None:
        return error.message
    params = dict(error.params)
    if "rows" in params:
        params["rows"] = ", ".join(str(row) for row in params["rows"])
    return messages.IMPORT_ROW_ERRORS[error.code].format(**params)


def _rows_invalid(error: domain.ImportRowsInvalid) -> ApiError:
    rows = [
        {"row": item.row, "column": item.column, "detail": row_error_detail(item)} for item in error.errors
    ]
    count = len({item.row for item in error.errors})
    return ValidationFailed(messages.IMPORT_ROWS_INVALID.format(count=count), extra={"row_errors": rows})


# The domain's refusals as the contract answers them (most specific class first).
DOMAIN_ERRORS = [
    (domain.UserNotFound, lambda e: NotFound(messages.USER_NOT_FOUND)),
    (domain.EmailTaken, lambda e: BadRequest(messages.EMAIL_TAKEN)),
    (domain.WeakPassword, _weak_password),
    (domain.RoleNotSelfService, lambda e: Forbidden(messages.ROLE_NOT_SELF_SERVICE.format(role=e.role))),
    (domain.LastAdminGeneral, lambda e: Conflict(messages.LAST_ADMIN_GENERAL)),
    (domain.InvalidCredentials, lambda e: Unauthorized(messages.INVALID_CREDENTIALS)),
    (domain.AccountInactive, lambda e: Forbidden(messages.INACTIVE_ACCOUNT)),
    (domain.AttemptInProgress, _in_progress),
    (domain.AccountLocked, _locked),
    (domain.AddressOverFailureBudget, lambda e: TooManyRequests(
        messages.address_over_failure_budget(e.retry_after), headers={"Retry-After": str(e.retry_after)})),
    (domain.WrongCurrentPassword, lambda e: BadRequest(messages.WRONG_CURRENT_PASSWORD)),
    (domain.ResetTokenInvalid, lambda e: BadRequest(messages.RESET_TOKEN_INVALID)),
    (domain.InvitationTokenInvalid, lambda e: BadRequest(messages.ACTIVATION_TOKEN_INVALID)),
    (domain.AccountHasPassword, lambda e: Conflict(messages.ACCOUNT_HAS_PASSWORD)),
    (domain.LinkUnavailable, lambda e: ServiceUnavailable(messages.LINK_UNAVAILABLE)),
    (domain.InvalidToken, lambda e: Unauthorized()),
    (domain.ServiceAuthenticationFailed, lambda e: Unauthorized(
        messages.SERVICE_CREDENTIALS_INVALID, headers={"WWW-Authenticate": SERVICE_CHALLENGE})),
    (domain.HashingBusy, lambda e: ServiceUnavailable(headers={"Retry-After": str(e.retry_after)})),
    (domain.SpreadsheetUnreadable, _unreadable),
    (domain.SpreadsheetTooLarge, _too_large),
    (domain.ImportRowsInvalid, _rows_invalid),
    (domain.ImportRaced, lambda e: Conflict(messages.IMPORT_RACED)),
]


def as_api_error(error: domain.DomainError) -> ApiError:
    for cls, translate in DOMAIN_ERRORS:
        if isinstance(error, cls):
            return translate(error)
    raise TypeError(f"no response for domain error {error!r}") from error


def error_response(status: int, detail: str, *, headers=None, errors=None, extra=None):
    body = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", "Bearer")
    return response


def _validation_errors(nested) -> dict:
    """webargs nests messages by location ({"json": {...}}); the contract wants them flat."""
    if isinstance(nested, dict) and set(nested) <= {"json", "json_or_form", "query", "view_args", "headers"}:
        flat = {}
        for part in nested.values():
            flat.update(part if isinstance(part, dict) else {"_schema": part})
        return flat
    return nested if isinstance(nested, dict) else {"_schema": nested}


def handle_api_error(error: ApiError):
    return error_response(
        error.status, error.detail, headers=error.headers, errors=error.errors, extra=error.extra
    )


def handle_domain_error(error: domain.DomainError):
    try:
        return handle_api_error(as_api_error(error))
    except TypeError as unmapped:
        return handle_unexpected(unmapped)


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


def rate_limit_retry_after() -> int:
    """Seconds until the per-address limit this request hit reopens."""
    from ..extensions import limiter

    current = limiter.current_limit
    return max(1, math.ceil(current.reset_at - time.time())) if current else 60


def handle_rate_limited(error: RateLimitExceeded):
    """A per-address limit was hit: say when the window reopens."""
    return error_response(429, HTTP_DETAILS[429], headers={"Retry-After": str(rate_limit_retry_after())})


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


def refuse_token(*_args):
    """flask-jwt-extended's answer to a missing, malformed, expired or forged token."""
    return error_response(401, messages.INVALID_TOKEN)


def register_token_refusals(jwt) -> None:
    for register in (
        jwt.expired_token_loader,
        jwt.invalid_token_loader,
        jwt.unauthorized_loader,
        jwt.needs_fresh_token_loader,
        jwt.revoked_token_loader,
        jwt.token_verification_failed_loader,
        jwt.user_lookup_error_loader,
    ):
        register(refuse_token)


def register_error_handlers(app):
    from ..sessions.jwt_manager import jwt

    register_token_refusals(jwt)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(InternalServerError, handle_http_exception)
    app.register_error_handler(sa_exc.SQLAlchemyError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
