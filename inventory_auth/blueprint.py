"""The blueprint class every API package uses: flask-smorest's, with strict JSON bodies.

An endpoint that declares a JSON body accepts only `application/json` (else 415) holding a JSON
object (else 400). Flask's `MAX_CONTENT_LENGTH` answers 413 before the body is read, so before any
password is hashed.
"""

import flask_smorest
from flask import json
from webargs import flaskparser

from .errors import HTTP_DETAILS, ApiError, BadRequest


class UnsupportedMediaType(ApiError):
    status = 415
    detail = HTTP_DETAILS[415]


class JsonBodyParser(flaskparser.FlaskParser):
    def _raw_load_json(self, req):
        if not req.is_json:
            raise UnsupportedMediaType()
        raw = req.get_data(cache=True)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest() from None
        if not isinstance(body, dict):
            raise BadRequest()
        return body


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()
