"""The blueprint class every API package uses: flask-smorest's, with strict JSON bodies.

An endpoint that declares a JSON body accepts only `application/json` (else 415) holding a JSON
object (else 400), nested at most `MAX_JSON_DEPTH` deep (else 400, checked before parsing: the
parser and the encoder recurse once per level, so a deeply nested body would exhaust the stack).
Flask's `MAX_CONTENT_LENGTH` answers 413 before the body is read, so before any password is
hashed. Such an endpoint documents those three answers in the OpenAPI document too;
`bp.errors(...)` and `bp.bearer` (from `openapi.ErrorDocsMixin`) document the rest.
"""

import json as stdlib_json
import re

import flask_smorest
from flask import json
from webargs import flaskparser

from .errors import BadRequest, UnsupportedMediaType
from .openapi import ErrorDocsMixin, status_description

FORM = "application/x-www-form-urlencoded"


class JsonBodyParser(flaskparser.FlaskParser):
    def load_json_or_form(self, req, schema):
        """A form body (as RFC 7662 clients send) or else a JSON one, held to the rules above."""
        if req.mimetype == FORM:
            return self.load_form(req, schema)
        return self.load_json(req, schema)

    def _raw_load_json(self, req):
        if not req.is_json:
            raise UnsupportedMediaType()
        raw = req.get_data(cache=True)
        if _too_deep(raw):
            raise BadRequest()
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest() from None
        if not isinstance(body, dict) or not _is_unicode_text(body):
            raise BadRequest()
        return body


# No body of this API nests at all; 32 leaves room for any client's own wrapping.
MAX_JSON_DEPTH = 32

# A JSON string (skipped whole, so brackets inside it do not count) or one bracket.
_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _too_deep(raw: bytes) -> bool:
    """True when the body opens more than MAX_JSON_DEPTH arrays or objects inside one another.

    The nesting cannot exceed the number of opening brackets, counted at C speed; only a body
    with more than the limit is scanned, once and without recursion. Malformed input (an
    unterminated string) may be called too deep here: it is refused either way.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _is_unicode_text(body) -> bool:
    """False when a string of the body holds a lone surrogate (`"\\ud800"` is valid JSON syntax
    but no Unicode text): it cannot be hashed, stored or logged as UTF-8."""
    try:
        stdlib_json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# What `JsonBodyParser` and `MAX_CONTENT_LENGTH` may answer to any request with a JSON body.
JSON_BODY_ERRORS = (400, 413, 415)


class Blueprint(ErrorDocsMixin, flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()
    # `json_or_form` is documented as a form body; the view adds the JSON one (`bp.doc`).
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "json_or_form": FORM,
    }

    def response(self, status_code, schema=None, *, description=None, **kwargs):
        """flask-smorest's, with the status described in Spanish unless told otherwise."""
        if description is None:
            description = status_description(status_code)
        return super().response(status_code, schema, description=description, **kwargs)

    def arguments(self, schema, *, location="json", **kwargs):
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse

        def decorator(func):
            return self.errors(*JSON_BODY_ERRORS)(parse(func))

        return decorator
