"""marshmallow building blocks for request schemas: strict objects, text, emails, lengths, the
query strings of the admin screens and their dates.

Every request schema derives from `RequestSchema`: unknown fields are refused, and every message a
client can see comes from the Spanish catalog (`web/messages.py`).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from confusable_homoglyphs import confusables
from email_validator import EmailNotValidError, validate_email
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from .messages import (
    CONTROL_CHARACTER,
    FIELD_MESSAGES,
    INVALID_DATE,
    INVALID_EMAIL,
    INVALID_WEB_URL,
    LENGTH_AT_MOST,
    LENGTH_BETWEEN,
    LOOKALIKE_SCRIPTS,
    NOT_AN_OBJECT,
    NOT_BOOLEAN,
    NOT_INTEGER,
    NOT_TEXT,
    NUL_CHARACTER,
    UNKNOWN_FIELD,
)


class RequestSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": UNKNOWN_FIELD,
        "type": NOT_AN_OBJECT,
    }

    def on_bind_field(self, field_name, field_obj):
        messages = {key: FIELD_MESSAGES[key] for key in field_obj.error_messages if key in FIELD_MESSAGES}
        if isinstance(field_obj, fields.String):
            messages["invalid"] = NOT_TEXT
        if isinstance(field_obj, fields.Boolean):
            messages["invalid"] = NOT_BOOLEAN
        field_obj.error_messages.update(messages)


def length(maximum: int, minimum: int = 0):
    if minimum:
        return validate.Length(
            min=minimum,
            max=maximum,
            error=LENGTH_BETWEEN.format(min=minimum, max=maximum),
        )
    return validate.Length(max=maximum, error=LENGTH_AT_MOST.format(max=maximum))


def normalize_email(value: str) -> str:
    """The one spelling of an address: surrounding white space dropped (phone keyboards add a
    space after an address), validated (no DNS), normalized, compared lower-case. Every way an
    email enters (the API's `Email` field, the command line) goes through here."""
    result = validate_email(value.strip(), check_deliverability=False)
    return result.normalized.lower()


class Email(fields.String):
    default_error_messages = {"invalid_email": INVALID_EMAIL}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_email(text)
        except EmailNotValidError:
            raise self.make_error("invalid_email") from None


# Kept in text besides letters, marks, numbers, punctuation, symbols and spaces: the joiners that
# some scripts and emoji sequences need.
_JOINERS = frozenset("\u200c\u200d")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def has_control_character(text: str) -> bool:
    """Whether `text` holds a control or format character: C0 and C1 controls (ESC, BEL, CR, LF,
    tab...), DEL, line and paragraph separators, bidirectional overrides and isolates (U+202E...),
    invisible format characters, lone surrogates. Each can rewrite what a terminal, a log viewer
    or a screen shows next to it."""
    return any(
        unicodedata.category(character) in _REFUSED_CATEGORIES and character not in _JOINERS
        for character in text
    )


class Text(fields.String):
    """A string with its surrounding white space removed, and no control or format character
    inside (`has_control_character`; a NUL gets its own message, as PostgreSQL cannot store one)."""

    default_error_messages = {"nul_character": NUL_CHARACTER, "control_character": CONTROL_CHARACTER}
    control_error = "control_character"  # the message for one, by its key

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul_character")
        text = text.strip()
        if has_control_character(text):
            raise self.make_error(self.control_error)
        return text


def distinct_script(text: str) -> None:
    """Refuse text that mixes scripts with letters that look alike (a Cyrillic «е» among Latin
    ones: `rеctora@sena.edu.co`, "Rоsa Díaz"), which would show an administrator two accounts, or
    two audit rows, that read the same. Accents and ñ are Latin; a name wholly in one script
    (Greek, Cyrillic) is accepted. The confusables are Unicode's (TR39), through
    confusable_homoglyphs."""
    if text and confusables.is_dangerous(text):
        raise ValidationError(LOOKALIKE_SCRIPTS)


class OptionalText(Text):
    """An optional string: JSON `null` or a blank string both mean "no value"."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs) or None

    def _validate(self, value):
        # A blank string became None above: nothing left to validate (a length check would fail
        # on None with a TypeError, a 500).
        if value is not None:
            super()._validate(value)


def optional_text(maximum: int):
    return OptionalText(allow_none=True, validate=length(maximum))


class OptionalWebUrl(OptionalText):
    """An optional absolute http(s) URL with a host (an avatar): never `javascript:`, `data:` or
    a relative path, which a client would put in a link or an image as is."""

    default_error_messages = {"invalid_web_url": INVALID_WEB_URL}
    control_error = "invalid_web_url"  # a URL with a control character is not a web address

    def _deserialize(self, value, attr, data, **kwargs):
        url = super()._deserialize(value, attr, data, **kwargs)
        if url is not None and not is_web_url(url):
            raise self.make_error("invalid_web_url")
        return url


def is_web_url(text: str) -> bool:
    if any(character.isspace() or ord(character) < 32 for character in text):
        return False
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
        parts.port  # noqa: B018  (a malformed port raises ValueError)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(hostname)


def optional_web_url(maximum: int):
    return OptionalWebUrl(allow_none=True, validate=length(maximum))


class QueryArgsSchema(RequestSchema):
    """A query string as the app sends it: every filter, empty when unused (`?role=&search=`). An
    empty value means "any", never a 422; unknown parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    def on_bind_field(self, field_name, field_obj):
        super().on_bind_field(field_name, field_obj)
        if isinstance(field_obj, fields.Integer):
            field_obj.error_messages["invalid"] = NOT_INTEGER

    @pre_load
    def empty_means_any(self, data, **_kwargs):
        return {key: value for key, value in data.items() if value != ""}


class DateOrDateTime(fields.Field):
    """An ISO 8601 date (`2026-11-30`: the whole day) or date and time (`2026-11-30T08:00:00`,
    UTC unless it carries an offset). Loads a `date`, or a timezone-aware UTC `datetime`."""

    default_error_messages = {"invalid": INVALID_DATE}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.isascii() or not 10 <= len(value) <= 40:
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value)
            # In UTC: a moment that has no UTC date (year 1 east of Greenwich) is no date here.
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise self.make_error("invalid") from None

    def _jsonschema_type_mapping(self):  # pragma: no cover  (documentation only)
        return {"type": "string"}


def as_lower_bound(value: date | datetime | None) -> datetime | None:
    """From this moment (a date: from its start, UTC), inclusive."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=UTC)


def as_upper_bound(value: date | datetime | None) -> datetime | None:
    """Before this moment, exclusive: a date includes its whole day, a date and time itself.
    None when the bound lies past the last representable moment (no bound at all)."""
    if value is None:
        return None
    try:
        if isinstance(value, datetime):
            return value + timedelta(microseconds=1)
        return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)
    except (OverflowError, ValueError):
        return None
