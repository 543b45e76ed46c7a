"""The request id and the access log: one JSON line per request on standard output.

Each request gets an id: the caller's `X-Request-ID` when it is a sensible token (a proxy or the
app may set one to follow a request across services), else a new random one. The id is sent back
in the `X-Request-ID` response header and appears on every log line of the request.

The access line holds the time, request id, method, path (never the query string), status,
duration in milliseconds, the authenticated user's id (when the request carried a valid access
token) and the client address (the real one behind `TRUSTED_PROXIES` proxies). It never holds a
body, a header, a password or a token.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from datetime import UTC, datetime
from json.encoder import encode_basestring  # json's string form with ensure_ascii=False

from .logs import LINE_ENCODER, ROOT_LOGGER, plain_handler, write_line

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, at most 128 characters: UUIDs, hex ids and the usual
# tracing formats pass; anything else is replaced rather than written into the logs.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")

access_log = logging.getLogger(ROOT_LOGGER + ".access")


def request_id_from(header_value: str | None) -> str:
    """The caller's id when it is acceptable, else a new one."""
    if header_value and REQUEST_ID_PATTERN.fullmatch(header_value):
        return header_value
    return new_request_id()


def new_request_id() -> str:
    """`uuid.uuid4().hex` without the UUID object: 16 random bytes, with the version (4) and
    variant (RFC 4122) bits set as `uuid.UUID(bytes=..., version=4)` sets them."""
    value = int.from_bytes(os.urandom(16))
    value = (value & _VERSION_AND_VARIANT_MASK) | _VERSION_4_AND_VARIANT
    return f"{value:032x}"


_VERSION_AND_VARIANT_MASK = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_4_AND_VARIANT = (0x8000 << 48) | (4 << 76)


# `current` is the request and `context` Flask's `g`, each looked up once by the caller
# (`web/hooks.py`): every lookup through Flask's context proxy costs more than the read it leads to.
def start_request(current, context) -> None:
    context.request_started = time.perf_counter()
    context.request_id = request_id_from(current.headers.get(REQUEST_ID_HEADER))


def finish_request(response, current, context):
    if "request_id" not in context:  # a hook before ours failed; the line is still written
        start_request(current, context)
    response.headers[REQUEST_ID_HEADER] = context.request_id
    duration_ms = (time.perf_counter() - context.request_started) * 1000
    method, path, status = current.method, current.path, response.status_code
    if not access_log.isEnabledFor(logging.INFO):
        return response
    # What get_jwt() reads (flask-jwt-extended keeps the verified claims in `g`), read directly.
    claims = context.get("_jwt_extended_jwt")
    extra = {
        "request_id": context.request_id,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "user_id": None if claims is None else claims.get("sub"),
        "client": current.remote_addr,
    }
    # With only the service's own handler in the way, the line it would write, written directly.
    handler = plain_handler(access_log, logging.INFO)
    if handler is not None and write_line(handler, access_line(
            time.time(), f"{method} {path} {status}", extra)):
        return response
    # `access_log.info(...)` but for the search of the calling frame (`findCaller`), whose file
    # and line the line never shows: the record as `logging` makes it without that search.
    access_log.handle(access_log.makeRecord(
        access_log.name, logging.INFO, *_NO_CALLER[:2], "%s %s %s", (method, path, status), None,
        _NO_CALLER[2], extra,
    ))
    return response


def access_line(created: float, message: str, extra: dict) -> str:
    """`json_line(created, "INFO", access_log.name, message, extra)` for the access line's fields,
    filled into a template: each value as `json.dumps` writes it (strings by json's own escaping),
    with no dict and no encoder built for the line."""
    return _ACCESS_TEMPLATE % (
        datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        _json(message), *[_json(extra[name]) for name in ACCESS_FIELDS],
    )


ACCESS_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id", "client")
_ACCESS_TEMPLATE = (
    '{"time": "%s", "level": "INFO", "logger": ' + encode_basestring(access_log.name)
    + ', "message": %s' + "".join(f", {encode_basestring(name)}: %s" for name in ACCESS_FIELDS) + "}"
)


def _json(value) -> str:
    """`json.dumps(value, ensure_ascii=False, default=str)`, its usual cases first."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is float and -math.inf < value < math.inf:
        return float.__repr__(value)
    return LINE_ENCODER.encode(value)


# What `logging` records as the caller when it is told not to look (`logging._srcfile = None`).
_NO_CALLER = ("(unknown file)", 0, "(unknown function)")

