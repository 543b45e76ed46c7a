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
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" not in record.__dict__:
            request_id = g.get("request_id")
            if request_id:
                line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(line)  # json.dumps(line, ensure_ascii=False, default=str)


# One encoder for every line: json.dumps would build one per call for these options.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class StdoutHandler(logging.StreamHandler):
    """A handler on whatever `sys.stdout` is when a record is written (test capture included)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def init_app(app: Flask) -> None:
    logger = logging.getLogger(ROOT_LOGGER)
    logger.setLevel(settings(app).LOG_LEVEL)
    if not any(isinstance(handler, StdoutHandler) for handler in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    # The service's lines are complete on their own; do not print them twice through the root.
    logger.propagate = False
