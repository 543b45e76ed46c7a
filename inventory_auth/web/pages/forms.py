"""The pages' forms, parsed with marshmallow like the API's bodies (web/fields.py).

A browser posts `application/x-www-form-urlencoded`; anything else is a 415 page. A field sent
twice is a list, which a text field refuses ("Debe ser un texto."), so no value is picked
silently. The token is checked for its shape (what `secrets.token_urlsafe` makes) before any
database look-up; a missing, repeated or malformed token is a bad link, like an unknown one.
"""

from __future__ import annotations

import re

from flask import request
from marshmallow import EXCLUDE, ValidationError, validate, validates_schema
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from ...accounts.link_tokens import TOKEN_MAX_LENGTH
from .. import messages
from ..auth.schemas import email_field, new_password_field
from ..fields import RequestSchema, Text

FORM_TYPE = "application/x-www-form-urlencoded"
TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{16,{TOKEN_MAX_LENGTH}}}")


class FormSchema(RequestSchema):
    class Meta:
        unknown = EXCLUDE  # a browser may add fields of its own; none of them is read


class AskLinkForm(FormSchema):
    email = email_field()


class NewPasswordForm(FormSchema):
    password = new_password_field()
    password_confirm = Text(
        required=True, validate=validate.Length(min=1, error=messages.FIELD_MESSAGES["required"])
    )

    @validates_schema(skip_on_field_errors=True)
    def repeated_alike(self, data, **_kwargs):
        if data["password"] != data["password_confirm"]:
            raise ValidationError(messages.PAGE_PASSWORDS_DIFFER, "password_confirm")


def posted_form() -> MultiDict:
    """The posted form; 415 for another content type, 413 beyond MAX_CONTENT_LENGTH."""
    if request.mimetype != FORM_TYPE:
        raise UnsupportedMediaType()
    return request.form


def as_input(form: MultiDict) -> dict:
    """The form as the schemas read it: one value per field, a list where it came repeated."""
    return {name: values[0] if len(values) == 1 else values for name, values in form.lists()}


def token_from(values: list[str]) -> str | None:
    """The token if exactly one of a plausible shape was sent, else None (a bad link)."""
    if len(values) != 1 or not TOKEN_SHAPE.fullmatch(values[0]):
        return None
    return values[0]


def errors_of(error: ValidationError) -> dict[str, list[str]]:
    found = error.normalized_messages()
    return {name: texts if isinstance(texts, list) else [str(texts)] for name, texts in found.items()}
