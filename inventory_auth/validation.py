"""Schema building blocks with the contract's Spanish messages.

Every request schema derives from `RequestSchema`: unknown fields are refused, and every message a
client can see is in Spanish.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from marshmallow import RAISE, Schema, fields, validate

FIELD_MESSAGES = {
    "required": "Este campo es obligatorio.",
    "null": "Este campo no puede ser nulo.",
    "validator_failed": "Valor inválido.",
    "invalid": "Valor inválido.",
    "invalid_utf8": "No es un texto UTF-8 válido.",
    "invalid_uuid": "No es un UUID válido.",
}


class RequestSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Campo no permitido.",
        "type": "Se esperaba un objeto JSON.",
    }

    def on_bind_field(self, field_name, field_obj):
        messages = {key: FIELD_MESSAGES[key] for key in field_obj.error_messages if key in FIELD_MESSAGES}
        if isinstance(field_obj, fields.String):
            messages["invalid"] = "Debe ser un texto."
        if isinstance(field_obj, fields.Boolean):
            messages["invalid"] = "Debe ser verdadero o falso."
        field_obj.error_messages.update(messages)


def length(maximum: int, minimum: int = 0):
    if minimum:
        return validate.Length(
            min=minimum,
            max=maximum,
            error=f"Debe tener entre {minimum} y {maximum} caracteres.",
        )
    return validate.Length(max=maximum, error=f"Debe tener como máximo {maximum} caracteres.")


def normalize_email(value: str) -> str:
    """The one spelling of an address: validated (no DNS), normalized, compared lower-case."""
    result = validate_email(value, check_deliverability=False)
    return result.normalized.lower()


class Email(fields.String):
    default_error_messages = {"invalid_email": "Correo electrónico inválido."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_email(text)
        except EmailNotValidError:
            raise self.make_error("invalid_email") from None


class Text(fields.String):
    """A string with its surrounding white space removed, and no NUL character (PostgreSQL cannot
    store one in a text column)."""

    default_error_messages = {"nul_character": "No puede contener el carácter nulo (U+0000)."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul_character")
        return text.strip()


class OptionalText(Text):
    """An optional string: JSON `null` or a blank string both mean "no value"."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs) or None

    def _validate(self, value):
        # A blank string became None above: nothing left to validate (a length check would fail
        # on None with a TypeError, a 500).
        if value is not None:
            super()._validate(value)


def required_text(maximum: int):
    return Text(required=True, validate=length(maximum, 1))


def optional_text(maximum: int):
    return OptionalText(allow_none=True, validate=length(maximum))
