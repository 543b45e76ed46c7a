"""What /api/users accepts and answers, as marshmallow schemas (UserResponse is auth's UserSchema)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from ..auth.schemas import MessageSchema, ProfileUpdateSchema, RegisterSchema, UserSchema, new_password_field
from ..roles import ROLES
from ..web.fields import RequestSchema, Text, length
from ..web.messages import INVALID_DATE, INVALID_ROLE, NOT_INTEGER, RANGE_BETWEEN

__all__ = [
    "AdminPasswordSchema", "MessageSchema", "UserCreateSchema", "UserQuerySchema", "UserSchema",
    "UserStatsSchema", "UserUpdateSchema",
]

LIMIT_MAX = 1000
SKIP_MAX = 1_000_000_000
SEARCH_MAX = 255


def role_field(**kwargs):
    return Text(validate=validate.OneOf(ROLES, error=INVALID_ROLE.format(roles=", ".join(ROLES))), **kwargs)


class DateOrDateTime(fields.Field):
    """An ISO 8601 date (`2026-11-30`) or date and time (`2026-11-30T08:00:00-05:00`; without an
    offset, UTC). Loads a `date` or a `datetime` in UTC."""

    default_error_messages = {"invalid": INVALID_DATE}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.isascii():
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


class UserQuerySchema(RequestSchema):
    """The list's query string. An empty parameter (`role=`) means "no filter", as the app sends
    them; other parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    skip = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=SKIP_MAX, error=RANGE_BETWEEN.format(min=0, max=SKIP_MAX)),
        metadata={"description": "Cuántos usuarios saltar (paginación)."},
    )
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=LIMIT_MAX, error=RANGE_BETWEEN.format(min=1, max=LIMIT_MAX)),
        metadata={"description": "Cuántos usuarios devolver, de 1 a 1000."},
    )
    role = role_field(metadata={"description": "Solo los usuarios de este rol."})
    is_active = fields.Boolean(
        metadata={"description": "Solo los activos (`true`) o los inactivos (`false`)."}
    )
    search = Text(
        validate=length(SEARCH_MAX),
        metadata={
            "description": "Texto en el nombre, el apellido o el correo (sin distinguir mayúsculas)."
        },
    )
    start_date = DateOrDateTime(
        metadata={"description": "Creados desde esta fecha (ISO 8601), incluida.", "format": "date"}
    )
    end_date = DateOrDateTime(
        metadata={"description": "Creados hasta esta fecha (ISO 8601), incluida.", "format": "date"}
    )

    def on_bind_field(self, field_name, field_obj):
        super().on_bind_field(field_name, field_obj)
        if isinstance(field_obj, fields.Integer):
            field_obj.error_messages["invalid"] = NOT_INTEGER

    @pre_load
    def drop_empty(self, data, **_kwargs):
        return {key: value for key, value in data.items() if value != ""}


class UserCreateSchema(RegisterSchema):
    """UserCreate: any role (the caller is an admin_general); the password policy applies."""


class UserUpdateSchema(ProfileUpdateSchema):
    """Every field optional; a field left out is left as it is. Nothing else is accepted (email,
    password, id...: 422)."""

    role = role_field()
    is_active = fields.Boolean()
    environment_id = fields.UUID(allow_none=True)


class AdminPasswordSchema(RequestSchema):
    new_password = new_password_field()


class UsersByRoleSchema(Schema):
    student = fields.Integer(required=True)
    instructor = fields.Integer(required=True)
    supervisor = fields.Integer(required=True)
    admin = fields.Integer(required=True)
    admin_general = fields.Integer(required=True)


class UserStatsSchema(Schema):
    total_users = fields.Integer(required=True)
    active_users = fields.Integer(required=True)
    inactive_users = fields.Integer(required=True)
    users_by_role = fields.Nested(UsersByRoleSchema, required=True)
    recent_registrations = fields.Integer(
        required=True, metadata={"description": "Usuarios creados en los últimos 7 días."}
    )


if set(UsersByRoleSchema().fields) != set(ROLES):
    raise RuntimeError("UsersByRoleSchema must list every role of roles.ROLES")
