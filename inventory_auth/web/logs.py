"""Logging: one JSON object per line on standard output, for every logger of the service.

The `inventory_auth` logger (and its children, such as `inventory_auth.access` for the line per
request and `inventory_auth.errors` for unexpected exceptions) writes through one handler with
`JsonFormatter`. Inside a request every record carries that request's id, so an error can be
matched with its access line. Nothing here ever formats request bodies or headers.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context

from ..config import settings

ROOT_LOGGER = "inventory_auth"

# Attributes every LogRecord has; anything else was passed with `extra=` and is part of the line.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """`{"time": ..., "level": ..., "logger": ..., "message": ..., <extra fields>}`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {}
        if has_request_context() and "request_id" not in record.__dict__:
            request_id = g.get("request_id")
            if request_id:
                fields["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                fields[key] = value
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return json_line(record.created, record.levelname, record.name, record.getMessage(), fields)


def json_line(created: float, level: str, logger: str, message: str, fields: dict) -> str:
    """The line of a record made at `created` (seconds since the epoch), its fields after the four
    every line has."""
    line = {
        "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": logger,
        "message": message,
    }
    line.update(fields)
    return LINE_ENCODER.encode(line)  # json.dumps(line, ensure_ascii=False, default=str)


# One encoder for every line: json.dumps would build one per call for these options.
LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class StdoutHandler(logging.StreamHandler):
    """A handler on whatever `sys.stdout` is when a record is written (test capture included)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def plain_handler(logger: logging.Logger, level: int) -> StdoutHandler | None:
    """The service's handler when it alone writes `logger`'s records of `level`, as `JsonFormatter`
    lines, with nothing in the way (`logger` a direct child of the service's logger, no other
    handler, no filter anywhere): such a line can then be written without a `LogRecord`, as
    `write_line` does. None when anything was added (a test's handler, a filter, another format)."""
    if logger.handlers or logger.filters or logger.disabled or not logger.propagate:
        return None
    parent = logger.parent
    if parent is None or parent.name != ROOT_LOGGER or parent.filters or parent.propagate:
        return None
    handlers = parent.handlers
    if len(handlers) != 1:
        return None
    handler = handlers[0]
    if (type(handler) is not StdoutHandler or handler.filters or level < handler.level
            or type(handler.formatter) is not JsonFormatter):
        return None
    return handler


def write_line(handler: StdoutHandler, line: str) -> bool:
    """What `handler.emit` does with a record whose line is `line`: write it and flush, under the
    handler's lock. False when the write failed (the caller then lets `logging` handle the record,
    and its error)."""
    handler.acquire()
    try:
        stream = sys.stdout
        stream.write(line + handler.terminator)
        stream.flush()
    except Exception:  # noqa: BLE001 - reported by logging's own path, as emit would
        return False
    finally:
        handler.release()
    return True


def init_app(app: Flask) -> None:
    logger = logging.getLogger(ROOT_LOGGER)
    logger.setLevel(settings(app).LOG_LEVEL)
    if not any(isinstance(handler, StdoutHandler) for handler in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    # The service's lines are complete on their own; do not print them twice through the root.
    logger.propagate = False
