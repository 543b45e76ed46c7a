"""The file of `POST /api/users/import`, as the request carries it: the whole body (a CSV or
.xlsx content type) or the `file` field of a multipart form (a browser's or curl's `-F`).

This route alone reads a body up to IMPORT_MAX_BYTES instead of MAX_CONTENT_LENGTH (Flask's
per-request `max_content_length`); a larger one is a 413 before it is read. The content type
only says where the file is; what kind of file it is is told from its bytes (enrolment/reading.py).
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header

from ...config import settings
from .. import messages
from ..errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

# Content types a roster body may carry (browsers send application/vnd.ms-excel for a .csv on
# Windows, and application/octet-stream when they do not know).
BODY_TYPES = frozenset({
    "text/csv", "application/csv", "text/plain", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
})
MULTIPART = "multipart/form-data"
FIELD = "file"


def roster() -> tuple[bytes, str | None]:
    """The file's bytes and its name (None when the request does not say one)."""
    limit = settings().IMPORT_MAX_BYTES
    request.max_content_length = limit
    mimetype = request.mimetype
    try:
        if mimetype == MULTIPART:
            upload = request.files.get(FIELD)
            if upload is None:
                raise ValidationFailed(errors={FIELD: [messages.IMPORT_NO_FILE]})
            return upload.read(limit + 1), upload.filename or None
        if mimetype not in BODY_TYPES:
            raise UnsupportedMediaType(messages.IMPORT_MEDIA_TYPE)
        return request.get_data(cache=False), _disposition_name()
    except RequestEntityTooLarge:
        raise PayloadTooLarge(messages.IMPORT_TOO_LARGE.format(mib=round(limit / 2**20, 1))) from None


def _disposition_name() -> str | None:
    """`Content-Disposition: attachment; filename="ficha 2758312.csv"`, when a client sends it."""
    header = request.headers.get("Content-Disposition")
    if not header:
        return None
    _value, options = parse_options_header(header)
    return options.get("filename") or None
