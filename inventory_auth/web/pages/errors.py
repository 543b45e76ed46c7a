"""Every error on the pages' paths is a page: the status, a Spanish line, a way back.

Errors raised inside the pages' views (a 413 or 415 form, a per-address limit, a busy hashing
bulkhead, a database outage, anything unexpected) reach the blueprint's handler; a method the
paths do not take (405) is found before any view runs, so the application's handler for it asks
here first. Never JSON, never a stack trace; a 429 and a busy 503 carry `Retry-After`.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ...config import PAGE_PATHS
from ...exceptions import AddressOverFailureBudget, HashingBusy
from .. import errors as api_errors
from ..messages import PAGE_ERRORS
from . import bp

log = logging.getLogger(__name__)


def error_page(status: int, headers: dict | None = None):
    text = PAGE_ERRORS.get(status) or PAGE_ERRORS[500 if status >= 500 else 400]
    body = render_template("pages/error.html", title=text, status=status)
    return body, status, headers or {}


def page_for(error: Exception):
    if isinstance(error, RateLimitExceeded):
        return error_page(429, {"Retry-After": str(api_errors.rate_limit_retry_after())})
    if isinstance(error, HTTPException):
        if (error.code or 500) >= 500:
            log.error("unhandled exception", exc_info=getattr(error, "original_exception", None) or error)
        headers = {"Allow": ", ".join(error.valid_methods)} if isinstance(error, MethodNotAllowed) else None
        return error_page(error.code or 500, headers)
    if isinstance(error, HashingBusy):
        return error_page(503, {"Retry-After": str(error.retry_after)})
    if isinstance(error, AddressOverFailureBudget):
        return error_page(429, {"Retry-After": str(error.retry_after)})
    if isinstance(error, sa_exc.SQLAlchemyError) and api_errors.database_unavailable(error):
        log.error("database unavailable: %s", type(error).__name__)
        return error_page(503)
    log.error("unhandled exception", exc_info=error)
    return error_page(500)


# Flask looks for a handler by status code first, the application's included: the classes the
# application maps by code (web/errors.py) are mapped here too, so that the pages' own win.
for _error in (Exception, RateLimitExceeded, InternalServerError):
    bp.register_error_handler(_error, page_for)


def init_app(app: Flask) -> None:
    def method_not_allowed(error: MethodNotAllowed):
        if request.path.rstrip("/") in PAGE_PATHS:
            return page_for(error)
        return api_errors.handle_http_exception(error)

    app.register_error_handler(MethodNotAllowed, method_not_allowed)
